package dev.deliberate.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code metrics.jsonl}: one JSON object a line with TRL's metric names ({@code step}, {@code split}, then the
 * figures). Opened for a resumed run, it first drops the lines of steps after the resumed one, so the file reads
 * as if the run had never been interrupted.
 */
public final class MetricsLog implements Consumer<Map<String, Object>>, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final BufferedWriter out;
    private final List<Map<String, Object>> lines = new ArrayList<>();

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Opens {@code file} for a run resumed at {@code resumedStep} (as {@link TrainState#savedStep} says), keeping
     * only the lines of steps up to it; 0 starts a fresh log.
     */
    public static MetricsLog open(Path file, int resumedStep) {
        int keepUpTo = resumedStep > 0 ? resumedStep : -1;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            var kept = new ArrayList<String>();
            if (Files.isRegularFile(file))
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) continue;
                    try {
                        if (JSON.readTree(line).path("step").asInt(Integer.MAX_VALUE) <= keepUpTo) kept.add(line);
                    } catch (IOException e) {
                        // a line cut short by a kill: dropped, the resumed run rewrites that step
                    }
                }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, kept, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void accept(Map<String, Object> line) {
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
            lines.add(new LinkedHashMap<>(line));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    /** The lines written through this log (not the ones kept from before a resume). */
    public List<Map<String, Object>> written() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
