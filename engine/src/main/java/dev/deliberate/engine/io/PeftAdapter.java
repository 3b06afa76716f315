package dev.deliberate.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.model.LoraConfig;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT LoRA adapter folders, as {@code PeftModel.save_pretrained} writes them and PEFT's {@code PeftModel.from_pretrained}
 * and vLLM's LoRA loader read them (huggingface/peft {@code docs/source/developer_guides/checkpoint.md},
 * {@code src/peft/utils/save_and_load.py} {@code get_peft_model_state_dict}, {@code src/peft/tuners/lora/config.py}):
 * <ul>
 *   <li>{@code adapter_config.json}: {@code peft_type: "LORA"}, {@code r}, {@code lora_alpha}, {@code target_modules},
 *       {@code lora_dropout}, {@code use_rslora}, {@code bias: "none"}, {@code base_model_name_or_path}, …;</li>
 *   <li>{@code adapter_model.safetensors}: for each adapted layer {@code base_model.model.<HF module path>.lora_A.weight}
 *       {@code [r, in]} and {@code ….lora_B.weight} {@code [out, r]} — the model's state-dict key with PEFT's two
 *       wrappers' {@code base_model.model.} prefix and without the adapter name ({@code .default});</li>
 *   <li>with {@code modules_to_save: ["embed_tokens", "lm_head"]}, the fully trained copies as
 *       {@code base_model.model.model.embed_tokens.weight} and {@code base_model.model.lm_head.weight}: PEFT saves a
 *       {@code ModulesToSaveWrapper}'s {@code modules_to_save.default} copy with that infix removed. A tied model
 *       writes its one matrix under both names (PEFT wraps the two modules apart) and reads them back only if equal.</li>
 * </ul>
 * A model reference naming an adapter is either such a folder (its base from {@code base_model_name_or_path}) or
 * {@code BASE_DIR+ADAPTER_DIR}.
 */
public final class PeftAdapter {
    private PeftAdapter() {}

    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    /** PeftModel wraps LoraModel wraps the transformers model: two {@code base_model}/{@code model} levels. */
    public static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An adapter folder's settings and where its base model is. */
    public record Info(LoraConfig config, String baseModelNameOrPath) {}

    /** A resolved model reference: the base checkpoint and, when adapted, the adapter folder (else null). */
    public record Reference(Path base, Path adapter) {
        /** Where the tokenizer files are: the adapter folder when it carries them, else the base. */
        public Path tokenizerDir() {
            return adapter != null && Files.isRegularFile(adapter.resolve("tokenizer.json")) ? adapter : base;
        }

        public String text() {
            return adapter == null ? base.toString() : base + "+" + adapter;
        }
    }

    public static boolean isAdapterFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /**
     * Resolves {@code ref}: a checkpoint folder, an adapter folder (base from its config), or {@code BASE_DIR+ADAPTER_DIR}.
     *
     * @throws IOException naming what is missing
     */
    public static Reference resolve(String ref) throws IOException {
        Path whole = path(ref);
        if (whole != null && Files.isDirectory(whole)) {
            if (!isAdapterFolder(whole)) return new Reference(whole, null);
            return new Reference(baseOf(whole, read(whole).baseModelNameOrPath()), whole);
        }
        for (int i = ref.indexOf('+'); i >= 0; i = ref.indexOf('+', i + 1)) {
            Path base = path(ref.substring(0, i)), adapter = path(ref.substring(i + 1));
            if (base != null && adapter != null && Files.isDirectory(base) && Files.isDirectory(adapter)) {
                if (!isAdapterFolder(adapter)) throw new IOException(adapter + ": no " + CONFIG + "; the part after '+' must be a PEFT adapter folder");
                if (isAdapterFolder(base)) throw new IOException(base + ": is an adapter folder; the part before '+' must be the base checkpoint");
                return new Reference(base, adapter);
            }
        }
        if (ref.contains("+"))
            throw new IOException("model reference '" + ref + "': neither a folder nor BASE_DIR+ADAPTER_DIR with two existing folders");
        throw new IOException(ref + ": no such folder");
    }

    private static Path path(String s) {
        try {
            return s.isBlank() ? null : Path.of(s);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static Path baseOf(Path adapterDir, String base) throws IOException {
        if (base == null || base.isBlank())
            throw new IOException(adapterDir.resolve(CONFIG) + ": field 'base_model_name_or_path' is empty; give the base as BASE_DIR+" + adapterDir);
        for (Path p : List.of(Path.of(base), adapterDir.resolve(base))) // as written, else relative to the adapter folder
            if (Files.isRegularFile(p.resolve("config.json"))) return p;
        throw new IOException(adapterDir.resolve(CONFIG) + ": base_model_name_or_path '" + base
                + "' is not a local checkpoint folder (hub ids are not downloaded); give the base as BASE_DIR+" + adapterDir);
    }

    /** Loads the model a reference names: the base, with the adapter attached (trainable, frozen base) when there is one. */
    public static Transformer load(Reference ref, Backend backend) throws IOException {
        return load(ref, backend, false);
    }

    /** {@link #load(Reference, Backend)}, refusing a base with NaN/Inf weights when {@code checkFinite}. */
    public static Transformer load(Reference ref, Backend backend, boolean checkFinite) throws IOException {
        Transformer model = Checkpoint.load(ref.base(), backend, checkFinite);
        if (ref.adapter() != null) apply(model, ref.adapter());
        return model;
    }

    /** Reads and checks {@code adapter_config.json}. */
    public static Info read(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) throw new IOException(dir + ": no " + CONFIG + "; not a PEFT adapter folder");
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        if (c == null || !c.isObject()) throw new IOException(file + ": not a JSON object");
        String type = c.path("peft_type").asText("");
        if (!type.equals("LORA")) throw new IOException(file + ": field 'peft_type' is '" + type + "'; only LORA adapters are supported");
        if (!c.path("r").isInt() || c.path("r").asInt() < 1) throw new IOException(file + ": field 'r' must be a positive integer");
        if (!c.path("lora_alpha").isNumber()) throw new IOException(file + ": field 'lora_alpha' must be a number");
        unsupported(file, c, "use_dora", n -> n.asBoolean(false), "DoRA");
        unsupported(file, c, "fan_in_fan_out", n -> n.asBoolean(false), "fan_in_fan_out weights");
        unsupported(file, c, "bias", n -> !n.isNull() && !n.asText("none").equals("none"), "trained biases");
        unsupported(file, c, "rank_pattern", n -> n.isObject() && !n.isEmpty(), "per-layer ranks (rank_pattern)");
        unsupported(file, c, "alpha_pattern", n -> n.isObject() && !n.isEmpty(), "per-layer alphas (alpha_pattern)");
        unsupported(file, c, "layers_to_transform", n -> !n.isNull(), "layers_to_transform");
        JsonNode ms = c.path("modules_to_save");
        var save = new ArrayList<String>();
        if (ms.isArray()) for (JsonNode t : ms) save.add(t.asText());
        else if (!ms.isMissingNode() && !ms.isNull()) throw new IOException(file + ": field 'modules_to_save' must be a list of module names or null");
        JsonNode tm = c.path("target_modules");
        var targets = new ArrayList<String>();
        if (tm.isTextual() && tm.asText().equals("all-linear")) targets.addAll(LoraConfig.MODULES);
        else if (tm.isArray()) for (JsonNode t : tm) targets.add(t.asText());
        else throw new IOException(file + ": field 'target_modules' must be a list of module names or 'all-linear' (regular expressions are not supported)");
        double dropout = c.path("lora_dropout").asDouble(0);
        try {
            var cfg = new LoraConfig(c.path("r").asInt(), c.path("lora_alpha").asDouble(), targets, dropout, c.path("use_rslora").asBoolean(false), save);
            return new Info(cfg, c.path("base_model_name_or_path").isTextual() ? c.path("base_model_name_or_path").asText() : null);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static void unsupported(Path file, JsonNode c, String field, java.util.function.Predicate<JsonNode> set, String what) throws IOException {
        JsonNode n = c.get(field);
        if (n != null && set.test(n)) throw new IOException(file + ": field '" + field + "' asks for " + what + ", which the engine does not implement");
    }

    /**
     * Attaches the adapter in {@code dir} to {@code model} (which must have none): every tensor must name an adapted
     * layer of this model with the shape the config's {@code r} implies, and every adapted layer needs both tensors.
     */
    public static void apply(Transformer model, Path dir) throws IOException {
        Info info = read(dir);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) throw new IOException(dir + ": no " + WEIGHTS + " (adapter_model.bin is not read; save with safetensors)");
        model.attachLora(info.config(), 0);
        Map<String, Parameter> want = model.adapterParameters();
        var seen = new java.util.HashSet<String>();
        Backend be = model.backend();
        float[] tiedHead = null;
        try (var r = Safetensors.open(file)) {
            for (var e : r.entries().values()) {
                String name = e.name();
                if (!name.startsWith(PREFIX))
                    throw new IOException(file + ": tensor '" + name + "' does not start with '" + PREFIX + "' (not a PEFT LoRA state dict)");
                String inner = name.substring(PREFIX.length()).replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.")
                        .replace(".modules_to_save.default.", ".");
                if (inner.equals(TIED_HEAD) && model.config().tieWordEmbeddings() && want.containsKey(EMBED)) {
                    tiedHead = new float[Math.toIntExact(want.get(EMBED).size())]; // the same matrix as embed_tokens here: checked below
                    if (!Arrays.equals(e.shape(), want.get(EMBED).shape()))
                        throw new IOException(file + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape()) + " but the tied embedding is "
                                + Arrays.toString(want.get(EMBED).shape()));
                    r.read(name, tiedHead);
                    continue;
                }
                Parameter p = want.get(inner);
                if (p == null)
                    throw new IOException(file + ": tensor '" + name + "' matches no adapted module of this model (target_modules "
                            + info.config().targets() + ", " + model.config().numHiddenLayers() + " layers)");
                if (!Arrays.equals(e.shape(), p.shape()))
                    throw new IOException(file + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape()) + " but r=" + info.config().r()
                            + " and the base model imply " + Arrays.toString(p.shape()));
                float[] v = new float[Math.toIntExact(p.size())];
                r.read(name, v);
                be.upload(v, 0, p.value(), 0, v.length);
                seen.add(inner);
            }
        }
        for (String n : want.keySet())
            if (!seen.contains(n)) throw new IOException(file + ": tensor '" + PREFIX + n + "' is missing (target_modules " + info.config().targets()
                    + (info.config().modulesToSave().isEmpty() ? "" : ", modules_to_save " + info.config().modulesToSave()) + ")");
        if (tiedHead != null) {
            Parameter emb = want.get(EMBED);
            float[] v = new float[tiedHead.length];
            be.download(emb.value(), 0, v, 0, v.length);
            if (!Arrays.equals(v, tiedHead))
                throw new IOException(file + ": tensors '" + PREFIX + EMBED + "' and '" + PREFIX + TIED_HEAD + "' differ, but this model ties its "
                        + "LM head to the embedding; the engine cannot hold two matrices for it");
        }
    }

    private static final String EMBED = "model.embed_tokens.weight", TIED_HEAD = "lm_head.weight";

    /**
     * Writes {@code model}'s adapters as a PEFT folder (temporary sibling, then renamed): tensors in F32, the config
     * naming {@code baseModelNameOrPath}, and the tokenizer files of {@code tokenizerFrom} (may be null).
     */
    public static void write(Transformer model, Path dir, String baseModelNameOrPath, Path tokenizerFrom) throws IOException {
        LoraConfig cfg = model.lora();
        if (cfg == null) throw new IllegalStateException("the model has no LoRA adapters to write");
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Checkpoint.deleteTree(tmp);
        Files.createDirectories(tmp);
        var tensors = new LinkedHashMap<String, Safetensors.Tensor>();
        Backend be = model.backend();
        for (Parameter p : model.adapterParameters().values()) {
            float[] v = new float[Math.toIntExact(p.size())];
            be.download(p.value(), 0, v, 0, v.length);
            tensors.put(PREFIX + p.name(), new Safetensors.Tensor(p.shape(), v));
            // a tied model's one matrix under both names, so that PEFT (which wraps each module apart) loads the same model
            if (p.name().equals(EMBED) && model.config().tieWordEmbeddings()) tensors.put(PREFIX + TIED_HEAD, new Safetensors.Tensor(p.shape(), v));
        }
        Safetensors.write(tmp.resolve(WEIGHTS), tensors, Safetensors.DType.F32);
        ObjectNode c = JSON.createObjectNode();
        c.putObject("alpha_pattern");
        c.putNull("auto_mapping");
        c.put("base_model_name_or_path", baseModelNameOrPath);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.putNull("layers_pattern");
        c.putNull("layers_to_transform");
        if (cfg.alpha() == Math.rint(cfg.alpha())) c.put("lora_alpha", (long) cfg.alpha());
        else c.put("lora_alpha", cfg.alpha());
        c.put("lora_dropout", cfg.dropout());
        if (cfg.modulesToSave().isEmpty()) c.putNull("modules_to_save");
        else cfg.modulesToSave().forEach(c.putArray("modules_to_save")::add);
        c.put("peft_type", "LORA");
        c.put("r", cfg.r());
        c.putObject("rank_pattern");
        c.putNull("revision");
        cfg.targets().forEach(c.putArray("target_modules")::add);
        c.put("task_type", "CAUSAL_LM");
        c.put("use_dora", false);
        c.put("use_rslora", cfg.rsLora());
        Files.writeString(tmp.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c) + "\n");
        if (tokenizerFrom != null)
            for (String f : Checkpoint.TOKENIZER_FILES) {
                Path src = tokenizerFrom.resolve(f);
                if (Files.isRegularFile(src)) Files.copy(src, tmp.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
            }
        try (var files = Files.list(tmp)) {
            for (Path f : files.toList()) Checkpoint.fsyncFile(f);
        }
        Checkpoint.fsyncDir(tmp);
        Path old = abs.resolveSibling(abs.getFileName() + ".old-" + ProcessHandle.current().pid());
        if (Files.exists(abs)) Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        Checkpoint.fsyncDir(abs.getParent());
        Checkpoint.deleteTree(old);
    }

}
