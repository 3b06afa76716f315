package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.world.WorldData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The SpecWorld a local checkpoint was trained on, read back from the run folders that made it, so that
 * {@code eval --bench specworld-test} tests it on that world's held-out prompts rather than on another world.
 * A demo checkpoint ({@code runs/demo/STAGE/checkpoint}) names the demo's {@code data/world}; a {@code train}
 * checkpoint names its {@code --data}, whose {@code generate} folder names {@code --prompts} or {@code --seed}; a
 * training stage started from another checkpoint ({@code --model}) inherits that one's world.
 */
record TrainedWorld(Path worldDir, Long seed, String evidence) {

    /** How many run folders to follow back through {@code --model} before giving up. */
    private static final int MAX_HOPS = 6;

    static Optional<TrainedWorld> of(Path checkpoint) {
        Path at = checkpoint.toAbsolutePath().normalize();
        for (int hop = 0; hop < MAX_HOPS && at != null; hop++) {
            Optional<TrainedWorld> demo = demo(at);
            if (demo.isPresent()) return demo;
            Path run = at.getParent();
            JsonNode train = json(run == null ? null : run.resolve("config.json"));
            if (train == null || !train.path("command").asText().startsWith("train")) return Optional.empty();
            JsonNode dataNode = train.path("data"); // one file, or the first of several (--data a,b)
            String data = dataNode.isArray() ? (dataNode.isEmpty() ? null : dataNode.get(0).asText()) : dataNode.asText(null);
            if (data != null) {
                Path dataFile = resolve(run, data);
                JsonNode gen = json(dataFile.getParent() == null ? null : dataFile.getParent().resolve("config.json"));
                if (gen != null) {
                    String prompts = gen.path("prompts").asText(null);
                    if (prompts != null) {
                        Path p = resolve(dataFile.getParent(), prompts);
                        Path dir = Files.isDirectory(p) ? p : p.getParent();
                        if (dir != null && Files.isRegularFile(dir.resolve(WorldData.MANIFEST)))
                            return Optional.of(new TrainedWorld(dir, null, dataFile.getParent() + "/config.json names --prompts " + prompts));
                        return Optional.empty(); // the user's own prompts: no SpecWorld to find
                    }
                    if (gen.has("seed")) return Optional.of(new TrainedWorld(null, gen.get("seed").asLong(),
                            dataFile.getParent() + "/config.json: the built-in world of seed " + gen.get("seed").asLong()));
                }
            }
            String model = train.path("model").asText(null);
            if (model == null) return Optional.empty();
            at = resolve(run, model);
        }
        return Optional.empty();
    }

    /** {@code DEMO/STAGE/checkpoint} (or {@code DEMO/checkpoint}): the demo folder holds {@code demo.json} and {@code data/world}. */
    private static Optional<TrainedWorld> demo(Path checkpoint) {
        Path stage = checkpoint.getParent();
        for (Path d : new Path[] {stage, stage == null ? null : stage.getParent()}) {
            if (d == null || !Files.isRegularFile(d.resolve("demo.json"))) continue;
            Path world = d.resolve("data/world");
            if (Files.isRegularFile(world.resolve(WorldData.MANIFEST))) return Optional.of(new TrainedWorld(world, null, d.resolve("demo.json").toString()));
        }
        return Optional.empty();
    }

    /** A path as a config file recorded it: absolute, or relative to where the command ran (tried from the run folder's parent too). */
    private static Path resolve(Path runFolder, String recorded) {
        Path p = Path.of(recorded);
        if (p.isAbsolute() || Files.exists(p)) return p.toAbsolutePath().normalize();
        for (Path base = runFolder; base != null; base = base.getParent()) {
            if (Files.exists(base.resolve(recorded))) return base.resolve(recorded).normalize();
        }
        return p.toAbsolutePath().normalize();
    }

    private static JsonNode json(Path file) {
        if (file == null || !Files.isRegularFile(file)) return null;
        try {
            return Jsonl.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            return null;
        }
    }
}
