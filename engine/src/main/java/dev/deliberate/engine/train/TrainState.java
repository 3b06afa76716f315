package dev.deliberate.engine.train;

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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Resumable training state in a folder: the weights, AdamW's moments (both F32, so a resumed run is bit-identical)
 * and {@code state.json} with the step and what identifies the run (method, seed, data fingerprint). The data order
 * and every random draw are functions of (seed, step), so nothing else needs keeping. Written to a temporary
 * sibling and renamed, so a kill never leaves a half-written state under the final name.
 */
public final class TrainState {
    private TrainState() {}

    static final String WEIGHTS = "weights.safetensors", MOMENTS = "optimizer.safetensors", META = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What must match for a state to be resumed. */
    public record RunId(String method, long seed, String fingerprint, int totalSteps) {}

    public static void save(Path dir, Transformer model, AdamW optimizer, int step, RunId id) {
        try {
            Path abs = dir.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            deleteTree(tmp);
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
            ObjectNode meta = JSON.createObjectNode().put("step", step).put("optimizer_step", optimizer.stepCount())
                    .put("method", id.method()).put("seed", id.seed()).put("fingerprint", id.fingerprint())
                    .put("total_steps", id.totalSteps());
            Files.writeString(tmp.resolve(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta) + "\n");
            Path old = abs.resolveSibling(abs.getFileName() + ".old-" + ProcessHandle.current().pid());
            if (Files.exists(abs)) Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training state to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The step a state in {@code dir} was saved at, without loading it (0 when there is none). */
    public static int savedStep(Path dir) {
        Path meta = dir.resolve(META);
        if (!Files.isRegularFile(meta)) return 0;
        try {
            return JSON.readTree(meta.toFile()).path("step").asInt(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + meta + " (" + e.getMessage() + "); delete " + dir + " to start over", e);
        }
    }

    /**
     * Loads the state in {@code dir} into the model and optimizer when there is one.
     *
     * @return the number of steps already done, or empty when {@code dir} holds no state
     * @throws IllegalStateException when the state belongs to a different run
     */
    public static Optional<Integer> load(Path dir, Transformer model, AdamW optimizer, RunId id) {
        Path meta = dir.resolve(META);
        if (!Files.isRegularFile(meta)) return Optional.empty();
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
            try (var w = Safetensors.open(dir.resolve(WEIGHTS)); var o = Safetensors.open(dir.resolve(MOMENTS))) {
                for (int i = 0; i < params.size(); i++) {
                    Parameter p = params.get(i);
                    upload(be, w.read(p.name()), p.value());
                    upload(be, o.read("m." + p.name()), mv.get(i)[0]);
                    upload(be, o.read("v." + p.name()), mv.get(i)[1]);
                }
            }
            optimizer.restoreStepCount(m.path("optimizer_step").asInt());
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

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        var all = new ArrayList<Path>();
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(all::add);
        }
        for (Path x : all) Files.delete(x);
    }
}
