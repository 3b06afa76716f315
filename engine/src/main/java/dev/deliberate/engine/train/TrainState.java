package dev.deliberate.engine.train;

import dev.deliberate.engine.io.Checkpoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;
import dev.deliberate.engine.io.Safetensors;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Resumable training state in a folder: the weights, AdamW's moments (both F32, so a resumed run is bit-identical)
 * and {@code state.json} with the step and what identifies the run (method, seed, data fingerprint). The data order
 * and every random draw are functions of (seed, step), so nothing else needs keeping.
 *
 * <p>Crash safety: each save is a new folder {@code step-NNNNNNNN} inside {@code dir}, written under a temporary name
 * with every file fsynced and {@code state.json} last, then made visible by one rename. The previous state stays until
 * the new one is complete, so a kill at any point leaves at least one complete state, and loading takes the newest
 * complete one. Superseded states, temporary folders of killed saves and half-deleted folders (deletion removes
 * {@code state.json} first) are removed on the next save or load. Folders of the older one-folder layout
 * ({@code dir/state.json}, and {@code dir.old-PID} left by a kill between its two renames) are still read.
 */
public final class TrainState {
    private TrainState() {}

    static final String WEIGHTS = "weights.safetensors", MOMENTS = "optimizer.safetensors", META = "state.json";
    private static final String PREFIX = "step-";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What must match for a state to be resumed. */
    public record RunId(String method, long seed, String fingerprint, int totalSteps) {}

    public static void save(Path dir, Transformer model, AdamW optimizer, int step, RunId id) {
        try {
            Path abs = dir.toAbsolutePath();
            Files.createDirectories(abs);
            Path target = abs.resolve(String.format("%s%08d", PREFIX, step));
            Path tmp = abs.resolve(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Checkpoint.deleteTree(tmp);
            Files.createDirectories(tmp);
            Backend be = model.backend();
            var weights = new LinkedHashMap<String, Safetensors.Tensor>();
            var moments = new LinkedHashMap<String, Safetensors.Tensor>();
            List<Parameter> params = optimizer.parameters(); // with LoRA only the adapters: the base is the starting checkpoint
            List<Tensor[]> mv = optimizer.moments();
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                weights.put(p.name(), new Safetensors.Tensor(p.shape(), download(be, p.value())));
                moments.put("m." + p.name(), new Safetensors.Tensor(p.shape(), download(be, mv.get(i)[0])));
                moments.put("v." + p.name(), new Safetensors.Tensor(p.shape(), download(be, mv.get(i)[1])));
            }
            Safetensors.write(tmp.resolve(WEIGHTS), weights, Safetensors.DType.F32);
            Safetensors.write(tmp.resolve(MOMENTS), moments, Safetensors.DType.F32);
            fsync(tmp.resolve(WEIGHTS));
            fsync(tmp.resolve(MOMENTS));
            ObjectNode meta = JSON.createObjectNode().put("step", step).put("optimizer_step", optimizer.stepCount())
                    .put("method", id.method()).put("seed", id.seed()).put("fingerprint", id.fingerprint())
                    .put("total_steps", id.totalSteps());
            Files.writeString(tmp.resolve(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta) + "\n");
            fsync(tmp.resolve(META));
            fsync(tmp);
            if (Files.isRegularFile(target.resolve(META))) {
                Checkpoint.deleteTree(tmp); // the same step again (a rerun that saved it before): it is there, complete
            } else {
                deleteState(target); // a half-deleted folder of that name
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // the one rename that commits
                fsync(abs);
            }
            cleanup(abs, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training state to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The step a state in {@code dir} was saved at, without loading it (0 when there is none). */
    public static int savedStep(Path dir) {
        Path newest = newest(dir);
        if (newest == null) return 0;
        Path meta = newest.resolve(META);
        try {
            return JSON.readTree(meta.toFile()).path("step").asInt(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + meta + " (" + e.getMessage() + "); delete " + dir + " to start over", e);
        }
    }

    /** The newest complete state folder: {@code step-N} with its {@code state.json}, or an old-layout one; null if none. */
    static Path newest(Path dir) {
        Path abs = dir.toAbsolutePath();
        Path best = null;
        int bestStep = -1;
        var candidates = new ArrayList<Path>();
        if (Files.isDirectory(abs)) {
            try (Stream<Path> s = Files.list(abs)) {
                s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+")).forEach(candidates::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + abs + ": " + e.getMessage(), e);
            }
            candidates.add(abs); // the old layout: the files in dir itself
        }
        if (abs.getParent() != null && Files.isDirectory(abs.getParent())) {
            try (Stream<Path> s = Files.list(abs.getParent())) {
                s.filter(p -> p.getFileName().toString().startsWith(abs.getFileName() + ".old-")).forEach(candidates::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + abs.getParent() + ": " + e.getMessage(), e);
            }
        }
        for (Path c : candidates) {
            Path meta = c.resolve(META);
            if (!Files.isRegularFile(meta) || !Files.isRegularFile(c.resolve(WEIGHTS)) || !Files.isRegularFile(c.resolve(MOMENTS))) continue;
            int step;
            try {
                step = JSON.readTree(meta.toFile()).path("step").asInt(-1);
            } catch (IOException e) {
                continue; // an old-layout state.json cut by a kill: not a complete state
            }
            if (step > bestStep) {
                bestStep = step;
                best = c;
            }
        }
        return best;
    }

    /**
     * Removes everything in and beside {@code dir} but the state {@code keep}: older states, temporary folders of killed
     * saves, half-deleted folders, old-layout files and {@code .old-}/{@code .tmp-} siblings.
     */
    static void cleanup(Path dir, Path keep) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            boolean replacesOldLayout = keep != null && !keep.toAbsolutePath().equals(abs);
            if (replacesOldLayout) Files.deleteIfExists(abs.resolve(META)); // marker first
            var entries = new ArrayList<Path>();
            try (Stream<Path> s = Files.list(abs)) {
                s.forEach(entries::add);
            }
            for (Path p : entries) {
                if (keep != null && p.equals(keep.toAbsolutePath())) continue;
                String n = p.getFileName().toString();
                if (n.startsWith(PREFIX)) deleteState(p);
                else if (replacesOldLayout && (n.equals(WEIGHTS) || n.equals(MOMENTS)))
                    Files.deleteIfExists(p); // an old-layout state that a newer one replaced
            }
        }
        if (abs.getParent() != null && Files.isDirectory(abs.getParent())) {
            var siblings = new ArrayList<Path>();
            try (Stream<Path> s = Files.list(abs.getParent())) {
                s.filter(p -> p.getFileName().toString().startsWith(abs.getFileName() + ".old-")
                        || p.getFileName().toString().startsWith(abs.getFileName() + ".tmp-")).forEach(siblings::add);
            }
            for (Path p : siblings) if (keep == null || !p.equals(keep.toAbsolutePath())) deleteState(p);
        }
    }

    /** Deletes a state folder with its marker first, so an interrupted delete never looks complete. */
    private static void deleteState(Path p) throws IOException {
        if (!Files.exists(p)) return;
        Files.deleteIfExists(p.resolve(META));
        Checkpoint.deleteTree(p);
    }

    private static void fsync(Path p) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(p, Files.isDirectory(p) ? java.nio.file.StandardOpenOption.READ : java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            if (!Files.isDirectory(p)) throw e; // some file systems cannot sync a directory; the files are synced
        }
    }

    /**
     * Loads the state in {@code dir} into the model and optimizer when there is one.
     *
     * @return the number of steps already done, or empty when {@code dir} holds no state
     * @throws IllegalStateException when the state belongs to a different run
     */
    public static Optional<Integer> load(Path dir, Transformer model, AdamW optimizer, RunId id) {
        Path state = newest(dir);
        if (state == null) {
            try {
                cleanup(dir, null); // temporary folders of a killed first save
            } catch (IOException e) {
                throw new UncheckedIOException("cannot clean " + dir + ": " + e.getMessage(), e);
            }
            return Optional.empty();
        }
        Path meta = state.resolve(META);
        try {
            JsonNode m = JSON.readTree(meta.toFile());
            var saved = new RunId(m.path("method").asText(), m.path("seed").asLong(), m.path("fingerprint").asText(),
                    m.path("total_steps").asInt());
            if (!saved.equals(id))
                throw new IllegalStateException(dir + " holds the state of a different run (" + describe(saved) + "; this run is "
                        + describe(id) + "): use a fresh --out folder, or delete " + dir + " to start over");
            Backend be = model.backend();
            List<Parameter> params = optimizer.parameters(); // with LoRA only the adapters: the base is the starting checkpoint
            List<Tensor[]> mv = optimizer.moments();
            try (var w = Safetensors.open(state.resolve(WEIGHTS)); var o = Safetensors.open(state.resolve(MOMENTS))) {
                for (int i = 0; i < params.size(); i++) {
                    Parameter p = params.get(i);
                    upload(be, w.read(p.name()), p.value());
                    upload(be, o.read("m." + p.name()), mv.get(i)[0]);
                    upload(be, o.read("v." + p.name()), mv.get(i)[1]);
                }
            }
            optimizer.restoreStepCount(m.path("optimizer_step").asInt());
            if (state.getParent() != null && state.getParent().equals(dir.toAbsolutePath())) cleanup(dir, state); // orphans of killed saves
            return Optional.of(m.path("step").asInt());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the training state in " + dir + " (" + e.getMessage()
                    + "); delete the folder to start over", e);
        }
    }

    private static String describe(RunId id) {
        return id.method() + ", seed " + id.seed() + ", " + id.totalSteps() + " steps, data " + id.fingerprint();
    }

    private static float[] download(Backend be, Tensor t) {
        float[] v = new float[Math.toIntExact(t.size())];
        be.download(t, 0, v, 0, v.length);
        return v;
    }

    private static void upload(Backend be, float[] v, Tensor t) {
        if (v.length != t.size()) throw new IllegalStateException("saved tensor has " + v.length + " values, the model " + t.size());
        be.upload(v, 0, t, 0, v.length);
    }

}
