package dev.deliberate.align.eval;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared {@code benchmarks/} folder, found through the {@code deliberate.shared} system property Surefire sets. */
public final class SharedBenchmarks {
    private SharedBenchmarks() {}

    public static Path dir() {
        String shared = System.getProperty("deliberate.shared");
        if (shared == null) throw new IllegalStateException("system property deliberate.shared is not set; run the tests through ./mvnw");
        Path dir = Path.of(shared, "benchmarks");
        if (!Files.isDirectory(dir)) throw new IllegalStateException("shared benchmarks not found at " + dir.toAbsolutePath() + " (deliberate.shared=" + shared + ")");
        return dir;
    }

    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.isRegularFile(p)) throw new IllegalStateException("missing shared benchmark file " + p);
        return p;
    }
}
