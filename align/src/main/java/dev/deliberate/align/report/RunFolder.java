package dev.deliberate.align.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.io.Jsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;

/**
 * One run folder as docs/runs.md lays it out, read leniently: every piece may be missing or unreadable, and what is
 * missing is recorded in {@link #problems()} for the report to say, never thrown.
 *
 * @param dir        the folder
 * @param label      the method's name: {@code config.json}'s {@code label}, else the folder's path below the folder searched
 * @param config     {@code config.json}, or null
 * @param metrics    {@code metrics.json} (eval), or null
 * @param results    {@code results.jsonl} lines (eval); empty if none
 * @param training   {@code metrics.jsonl} lines (train); empty if none
 * @param embedding  {@code embedding.json}, or null
 * @param problems   what could not be read, one line each
 */
public record RunFolder(Path dir, String label, JsonNode config, JsonNode metrics, List<JsonNode> results, List<JsonNode> training,
                        JsonNode embedding, List<String> problems) {

    static final List<String> MARKERS = List.of("metrics.json", "results.jsonl", "metrics.jsonl", "embedding.json");

    public boolean isEval() {
        return metrics != null || !results.isEmpty();
    }

    public boolean isTraining() {
        return !training.isEmpty();
    }

    /**
     * Every run folder at or below the roots (a demo folder holds several), in path order. A folder counts when it
     * holds eval or training output; {@code checkpoint/} and {@code state/} folders are not searched.
     */
    public static List<RunFolder> discover(List<Path> roots) {
        var dirs = new ArrayList<Path>();
        var names = new HashMap<Path, String>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) throw new IllegalArgumentException(root + " is not a folder; give run folders (those written with --out)");
            try (Stream<Path> s = Files.walk(root, 8)) {
                s.filter(Files::isDirectory).sorted(Comparator.comparing(Path::toString))
                        .filter(d -> !isUnder(root, d, "checkpoint") && !isUnder(root, d, "state"))
                        .filter(d -> MARKERS.stream().anyMatch(m -> Files.isRegularFile(d.resolve(m))))
                        .forEach(d -> {
                            Path abs = d.toAbsolutePath().normalize();
                            dirs.add(abs);
                            String rel = root.relativize(d).toString();
                            names.putIfAbsent(abs, rel.isEmpty() ? abs.getFileName().toString() : rel.replace('\\', '/'));
                        });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot search " + root + ": " + e.getMessage(), e);
            }
        }
        // the roots' order (the demo gives its table's), each root's folders sorted by path
        List<Path> unique = dirs.stream().distinct().toList();
        var runs = new ArrayList<RunFolder>();
        for (Path d : unique) runs.add(read(d, names.get(d)));
        // two folders with one label (seed-1/saro, seed-2/saro) are told apart by their parent's name
        var count = new HashMap<String, Integer>();
        runs.forEach(r -> count.merge(r.label(), 1, Integer::sum));
        var out = new ArrayList<RunFolder>();
        for (RunFolder r : runs) {
            String label = count.get(r.label()) > 1 && r.dir().getParent() != null
                    ? r.dir().getParent().getFileName() + "/" + r.label() : r.label();
            out.add(new RunFolder(r.dir(), label, r.config(), r.metrics(), r.results(), r.training(), r.embedding(), r.problems()));
        }
        return out;
    }

    private static boolean isUnder(Path root, Path d, String name) {
        Path rel = root.relativize(d);
        for (Path p : rel) if (p.toString().equals(name)) return true;
        return false;
    }

    /** Reads one folder, named by its folder name unless config.json gives a label; unreadable pieces become problems. */
    public static RunFolder read(Path dir) {
        return read(dir, dir.getFileName().toString());
    }

    /** Reads one folder; {@code name} labels it when config.json gives no label (its path below the folder searched). */
    static RunFolder read(Path dir, String name) {
        var problems = new ArrayList<String>();
        JsonNode config = json(dir.resolve("config.json"), problems, false);
        JsonNode metrics = json(dir.resolve("metrics.json"), problems, false);
        JsonNode embedding = json(dir.resolve("embedding.json"), problems, false);
        List<JsonNode> results = lines(dir.resolve("results.jsonl"), problems);
        List<JsonNode> training = lines(dir.resolve("metrics.jsonl"), problems);
        if (metrics == null && !results.isEmpty()) problems.add("metrics.json is missing (the eval did not finish; rerun it to resume)");
        if (metrics != null && results.isEmpty()) problems.add("results.jsonl is missing or empty: no transcripts or length histograms");
        String label = config != null && config.hasNonNull("label") && !config.get("label").asText().isBlank()
                ? config.get("label").asText() : name;
        return new RunFolder(dir, label, config, metrics, results, training, embedding, problems);
    }

    private static JsonNode json(Path f, List<String> problems, boolean required) {
        if (!Files.isRegularFile(f)) {
            if (required) problems.add(f.getFileName() + " is missing");
            return null;
        }
        try {
            return Jsonl.MAPPER.readTree(Files.readString(f));
        } catch (IOException e) {
            problems.add(f.getFileName() + " cannot be read: " + e.getMessage().lines().findFirst().orElse(""));
            return null;
        }
    }

    /** The readable lines of a JSONL file; a torn last line (a run still going or killed) is skipped and noted. */
    private static List<JsonNode> lines(Path f, List<String> problems) {
        if (!Files.isRegularFile(f)) return List.of();
        List<String> text;
        try {
            text = Files.readAllLines(f);
        } catch (IOException e) {
            problems.add(f.getFileName() + " cannot be read: " + e.getMessage());
            return List.of();
        }
        var out = new ArrayList<JsonNode>(text.size());
        int bad = 0, first = 0;
        for (int i = 0; i < text.size(); i++) {
            if (text.get(i).isBlank()) continue;
            try {
                out.add(Jsonl.MAPPER.readTree(text.get(i)));
            } catch (IOException e) {
                if (bad++ == 0) first = i + 1;
            }
        }
        if (bad > 0) problems.add(f.getFileName() + ": " + bad + " unreadable line(s), first at line " + first + " (skipped)");
        return out;
    }
}
