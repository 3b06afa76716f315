package dev.deliberate.align.eval;

import dev.deliberate.align.eval.bench.Benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;

/** The public benchmarks that ship with the product ({@link Benchmarks#bundled}), for tests that read their files. */
public final class BundledBenchmarks {
    private BundledBenchmarks() {}

    public static Path dir() {
        return Benchmarks.bundled();
    }

    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.isRegularFile(p)) throw new IllegalStateException("missing bundled benchmark file " + p);
        return p;
    }
}
