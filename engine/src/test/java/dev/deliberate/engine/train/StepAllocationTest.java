package dev.deliberate.engine.train;

import org.junit.jupiter.api.Test;

import dev.deliberate.engine.ForkedJvm;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a training step allocates once the JIT has compiled the kernels (issue #14): under {@link #BOUND} a step, with
 * the preferred vector width and, where the CPU has AVX-512, with the AVX2 code too. What is left is per kernel call —
 * the parallel job and its lambda, about 90 KB a step at this shape — against 4.2 MB of activations: no array or
 * vector per row or element. A Vector API loop that C2 does not compile, or a vector handed to a call C2 did not
 * inline, allocates per element — 0.4 to 290 MB a step here — and fails this.
 *
 * <p>The step runs in a JVM of its own ({@link StepAllocationProbe}): inside the suite, what C2 has compiled depends on
 * the tests before (other vector shapes, deoptimisation after a class loads), and a check that depends on test order
 * would be noise. The bound is absolute, since what is left scales with the number of kernel calls, not the sizes.
 */
class StepAllocationTest {

    static final long BOUND = 256 * 1024;

    @Test
    void aCompiledStepAllocatesOnlyPerKernelCall() throws Exception {
        assertUnderBound(List.of());
    }

    @Test
    void soDoesTheAvx2Code() throws Exception {
        String flags = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
        org.junit.jupiter.api.Assumptions.assumeTrue(
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() == 16 && !flags.contains("UseAVX"),
                "the AVX2 path is the default here, or the suite already chose the vector width");
        assertUnderBound(List.of("-XX:UseAVX=2"));
    }

    private static void assertUnderBound(List<String> extraFlags) throws IOException, InterruptedException {
        var flags = new ArrayList<String>();
        // the suite's own JVM flags (vector module, native access, anything a run passes with -Ddeliberate.jvm.flags)
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-modules") || a.startsWith("--enable-native-access") || a.startsWith("-XX:")
                    || a.startsWith("-Ddeliberate.")) flags.add(a);
        flags.addAll(extraFlags);
        var run = ForkedJvm.run(StepAllocationProbe.class, flags, 120);
        String out = run.output();
        assertEquals(0, run.exitCode(), "the probe failed:\n" + out);
        var m = Pattern.compile("steady=(\\d+) activations=(\\d+) rounds=(.*)").matcher(out);
        assertTrue(m.find(), "no result from the probe:\n" + out);
        long steady = Long.parseLong(m.group(1)), activations = Long.parseLong(m.group(2));
        assertTrue(steady < BOUND, "a compiled step allocates " + steady + " bytes " + extraFlags + "; the bound is "
                + BOUND + ", its activations are about " + activations + "; per step, each round of 10: " + m.group(3));
    }
}
