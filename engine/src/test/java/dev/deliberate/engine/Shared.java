package dev.deliberate.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's {@code testdata/} folder (reference checkpoints, the Qwen3 tokenizer) through the {@code deliberate.testdata} property Surefire sets. */
public final class Shared {
    private Shared() {}

    public static Path dir() {
        String p = System.getProperty("deliberate.testdata");
        if (p == null) throw new IllegalStateException("system property deliberate.testdata is not set; run the tests through ./mvnw");
        Path d = Path.of(p);
        if (!Files.isDirectory(d.resolve("checkpoints")))
            throw new IllegalStateException(d + "/checkpoints is missing; the engine parity tests need the reference checkpoints in testdata/");
        return d;
    }

    public static Path checkpoint(String name) {
        return dir().resolve("checkpoints").resolve(name);
    }
}
