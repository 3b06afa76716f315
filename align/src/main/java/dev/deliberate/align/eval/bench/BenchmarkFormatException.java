package dev.deliberate.align.eval.bench;

import java.nio.file.Path;

/** A benchmark file that cannot be read as promised; the message names the file, line and column and what would fix it. */
public final class BenchmarkFormatException extends RuntimeException {
    private final Path file;
    private final long line;

    public BenchmarkFormatException(Path file, long line, String column, String problem) {
        super(file + ":" + line + (column == null ? "" : " (column " + column + ")") + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** 1-based physical line where the offending record starts. */
    public long line() {
        return line;
    }
}
