package dev.deliberate.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code ../shared} (reference checkpoints) through the {@code deliberate.shared} system property. */
public final class Shared {
    private Shared() {}

    public static Path dir() {
        String p = System.getProperty("deliberate.shared");
        if (p == null) throw new IllegalStateException("system property deliberate.shared is not set; run the tests through Maven");
        Path d = Path.of(p);
        if (!Files.isDirectory(d.resolve("checkpoints")))
            throw new IllegalStateException(d + "/checkpoints is missing; the engine parity tests need the shared reference checkpoints");
        return d;
    }

    public static Path checkpoint(String name) {
        return dir().resolve("checkpoints").resolve(name);
    }
}
