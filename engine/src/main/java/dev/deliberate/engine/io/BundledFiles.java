package dev.deliberate.engine.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data shipped inside the jar (public benchmarks, a reference tokenizer) as a folder on disk, for code that reads
 * files by path. The listed resources are copied once into a content-addressed folder under the user's cache
 * ({@code $XDG_CACHE_HOME/deliberate/bundled/NAME-SHA}, else {@code ~/.cache/…}); the folder appears by one rename,
 * so a killed copy never leaves a half folder that a later run would trust.
 */
public final class BundledFiles {

    private BundledFiles() {}

    /**
     * The folder holding {@code files} (paths relative to {@code resourceDir}) of the classpath folder
     * {@code resourceDir} (absolute, e.g. {@code /dev/deliberate/bench/qwen3}), beside {@code anchor}'s classes.
     * When the resources sit in a plain directory (a build tree), that directory is returned as it is.
     */
    public static Path folder(Class<?> anchor, String resourceDir, String name, List<String> files) {
        if (!resourceDir.startsWith("/")) throw new IllegalArgumentException("resourceDir must be absolute: " + resourceDir);
        var bytes = new LinkedHashMap<String, byte[]>();
        try {
            var url = anchor.getResource(resourceDir + "/" + files.getFirst());
            if (url != null && "file".equals(url.getProtocol())) {
                Path dir = Path.of(url.toURI());
                for (int i = 0; i < files.getFirst().split("/").length; i++) dir = dir.getParent();
                Path plain = dir;
                if (files.stream().allMatch(f -> Files.isRegularFile(plain.resolve(f)))) return plain;
            }
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String f : files) {
                try (InputStream in = anchor.getResourceAsStream(resourceDir + "/" + f)) {
                    if (in == null) throw new IllegalStateException("the bundled file " + resourceDir + "/" + f + " is missing from the jar; rebuild it");
                    byte[] b = in.readAllBytes();
                    sha.update(f.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    sha.update(b);
                    bytes.put(f, b);
                }
            }
            Path root = cacheRoot();
            Path target = root.resolve(name + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 16));
            if (Files.isDirectory(target)) return target;
            Files.createDirectories(root);
            Path tmp = Files.createTempDirectory(root, "." + name + ".");
            for (Map.Entry<String, byte[]> e : bytes.entrySet()) {
                Path p = tmp.resolve(e.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, e.getValue());
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                Checkpoint.deleteTree(tmp); // another process finished the same copy first
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + tmp + " to " + target + " atomically", e);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the bundled " + name + " files: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException | java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path cacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("deliberate").resolve("bundled");
    }

}
