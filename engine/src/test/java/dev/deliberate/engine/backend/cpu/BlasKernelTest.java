package dev.deliberate.engine.backend.cpu;

import dev.deliberate.engine.backend.Backend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every {@link KernelTest} again on {@code cpu-blas} (matmul through OpenBLAS, the rest shared). The bytedeco openblas
 * jar is a test dependency, so this runs wherever the build runs on linux-x86_64; elsewhere it is skipped, saying why.
 */
class BlasKernelTest extends KernelTest {
    @BeforeAll
    static void needsOpenBlas() {
        Assumptions.assumeTrue(OpenBlas.get() != null,
                () -> "skipped: no OpenBLAS library: " + OpenBlas.missingReason());
    }

    @Override
    Backend backend() {
        return CpuBackend.withOpenBlas();
    }
}
