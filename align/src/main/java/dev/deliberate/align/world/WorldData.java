package dev.deliberate.align.world;

import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SpecWorld splits on disk: {@code train.jsonl}, {@code test.jsonl} (one {@link LabelledPrompt} a line) and {@code world.json}. */
public final class WorldData {
    public static final String MANIFEST = "world.json";
    private static final ObjectMapper JSON = Jsonl.MAPPER;

    private WorldData() {}

    public static ObjectMapper mapper() {
        return JSON;
    }

    /** Writes each file under a temporary name and renames it, so an interrupted run never leaves a half file. */
    public static void write(Path dir, SpecWorld.World world) throws IOException {
        Files.createDirectories(dir);
        for (String split : List.of(SpecWorld.TRAIN, SpecWorld.TEST)) writeJsonl(dir.resolve(split + ".jsonl"), world.split(split));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("generator", "specworld");
        manifest.put("seed", world.config().seed());
        manifest.put("per_cell", world.config().perCell());
        manifest.put("general_per_kind", world.config().generalPerKind());
        manifest.put("test_fraction", world.config().testFraction());
        manifest.put("spec_hash", world.specHash());
        manifest.put("train", world.train().size());
        manifest.put("test", world.test().size());
        try {
            AtomicFiles.writeString(dir.resolve(MANIFEST), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    public static void writeJsonl(Path file, List<LabelledPrompt> prompts) throws IOException {
        try {
            Jsonl.write(file, prompts);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Reads one split; a bad line is reported as {@code file:line: what is wrong}. */
    public static List<LabelledPrompt> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such SpecWorld split (run 'deliberate world generate' first)");
        try {
            return Jsonl.read(file, LabelledPrompt.class);
        } catch (Jsonl.FormatException e) {
            throw new IOException(e.getMessage() + " (each line needs id, category, intent, style and prompt)", e);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Reads {@code DIR/<split>.jsonl}. */
    public static List<LabelledPrompt> read(Path dir, String split) throws IOException {
        Path f = dir.resolve(split + ".jsonl");
        if (!Files.exists(f)) throw new IOException(f + " does not exist; run 'deliberate world generate --out " + dir + "' first");
        return read(f);
    }
}
