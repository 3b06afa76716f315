package dev.deliberate.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The {@code shared/} data folder beside the repository (public benchmarks, reference tokenizers): the
 * {@code deliberate.shared} system property if set, else {@code ../shared} beside the repository this jar was built
 * in, so commands find it from any working directory.
 */
final class SharedDir {
    private SharedDir() {}

    static Path resolve(String... parts) {
        String shared = System.getProperty("deliberate.shared");
        if (shared != null) return Path.of(shared, parts);
        return Path.of(root().toString(), parts).normalize();
    }

    private static Path root() {
        try {
            // cli/target/deliberate.jar or cli/target/classes → the repository root is three levels up
            Path code = Path.of(SharedDir.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path repo = code.getParent() == null || code.getParent().getParent() == null ? null : code.getParent().getParent().getParent();
            if (repo != null) return repo.resolve("../shared");
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through to the working directory
        }
        return Path.of("..", "shared").toAbsolutePath();
    }
}
