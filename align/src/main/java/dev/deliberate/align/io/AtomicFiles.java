package dev.deliberate.align.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Whole-file writes that a reader (or a crash) never sees half done: write a temp file beside, then rename. */
public final class AtomicFiles {
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> DEFAULT_PERMISSIONS =
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {}

    /** What goes into the file, written to a stream (which the caller must not close). */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Streams {@code content} into a temp file beside {@code target}, then renames it over {@code target}. */
    public static void write(Path target, Content content) {
        try {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try {
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                    content.writeTo(out);
                }
                // createTempFile makes the file private (0600); give the result the permissions an ordinary write would
                if (Files.getFileStore(tmp).supportsFileAttributeView("posix"))
                    Files.setPosixFilePermissions(tmp, Files.exists(target) ? Files.getPosixFilePermissions(target) : DEFAULT_PERMISSIONS);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    public static void write(Path target, byte[] content) {
        write(target, out -> out.write(content));
    }

    public static void writeString(Path target, String content) {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }
}
