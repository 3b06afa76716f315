package dev.deliberate.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Llama-family model's shape, mirroring Hugging Face {@code config.json}.
 *
 * <p>Reads both transformers-4 style (top-level {@code rope_theta}, {@code rope_scaling}) and transformers-5 style
 * ({@code rope_parameters: {rope_theta, rope_type, …}}); writes transformers-4 style, which both versions load.
 *
 * @param slidingWindow Mistral's attention window, or 0 when attention is global
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        double initializerRange,
        int slidingWindow,
        Integer bosTokenId,
        List<Integer> eosTokenIds) {

    /** The supported {@code architectures} and what each implies for the attention biases. */
    public enum Architecture {
        LLAMA("LlamaForCausalLM", "llama"),
        QWEN2("Qwen2ForCausalLM", "qwen2"),
        MISTRAL("MistralForCausalLM", "mistral");

        public final String hfName;
        public final String modelType;

        Architecture(String hfName, String modelType) {
            this.hfName = hfName;
            this.modelType = modelType;
        }

        static Architecture of(String hfName) {
            for (var a : values()) if (a.hfName.equals(hfName)) return a;
            return null;
        }
    }

    /**
     * RoPE frequency scaling: {@code default} (none), {@code linear}, or {@code llama3} (Llama 3.1's smooth
     * interpolation between high- and low-frequency bands).
     */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        public static final RopeScaling NONE = new RopeScaling("default", 1, 0, 0, 0);
    }

    public ModelConfig {
        if (hiddenSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0 || numKeyValueHeads <= 0
                || intermediateSize <= 0 || vocabSize <= 0 || headDim <= 0)
            throw new IllegalArgumentException("model sizes must be positive: " + this);
        if (numAttentionHeads % numKeyValueHeads != 0)
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** A Llama config with the usual defaults, for models trained from scratch. */
    public static ModelConfig llama(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab,
                                    int maxPositions) {
        return new ModelConfig(Architecture.LLAMA, hidden, intermediate, layers, heads, kvHeads, hidden / heads, vocab,
                maxPositions, 1e-5, 10000.0, RopeScaling.NONE, false, false, 0.02, 0, null, List.of());
    }

    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, vocabSize, maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tied,
                attentionBias, initializerRange, slidingWindow, bosTokenId, eosTokenIds);
    }

    public int qDim() {
        return numAttentionHeads * headDim;
    }

    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    /** Whether q/k/v projections carry a bias (Qwen2 always; Llama when {@code attention_bias}). */
    public boolean qkvBias() {
        return architecture == Architecture.QWEN2 || attentionBias;
    }

    /** Whether the output projection carries a bias (Llama's {@code attention_bias} only). */
    public boolean oBias() {
        return architecture == Architecture.LLAMA && attentionBias;
    }

    /** Number of parameters stored (tied embeddings counted once). */
    public long parameterCount() {
        long c = hiddenSize, perLayer = (long) c * qDim() * 2 + (long) c * kvDim() * 2 + 3L * c * intermediateSize + 2L * c;
        if (qkvBias()) perLayer += qDim() + 2L * kvDim();
        if (oBias()) perLayer += c;
        return perLayer * numHiddenLayers + (long) vocabSize * c * (tieWordEmbeddings ? 1 : 2) + c;
    }

    /** RoPE inverse frequencies θ_i = base^(-2i/d), with the configured scaling applied (HF's rope init functions). */
    public double[] ropeInverseFrequencies() {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim);
        switch (ropeScaling.type()) {
            case "default" -> { }
            case "linear" -> { for (int i = 0; i < half; i++) inv[i] /= ropeScaling.factor(); }
            case "llama3" -> {
                double factor = ropeScaling.factor(), lo = ropeScaling.lowFreqFactor(), hi = ropeScaling.highFreqFactor();
                double old = ropeScaling.originalMaxPositionEmbeddings();
                double lowWavelen = old / lo, highWavelen = old / hi;
                for (int i = 0; i < half; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) inv[i] /= factor;
                    else if (wavelen >= highWavelen) {
                        double smooth = (old / wavelen - lo) / (hi - lo);
                        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                    }
                }
            }
            default -> throw new IllegalStateException("unsupported rope type " + ropeScaling.type());
        }
        return inv;
    }

    // ---- config.json ----

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ModelConfig read(Path configJson) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new IOException(configJson + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IOException(configJson + ": expected a JSON object");
        return fromJson(root, configJson.toString());
    }

    public static ModelConfig fromJson(JsonNode root, String file) throws IOException {
        var f = new Fields(root, file);
        JsonNode archs = root.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual())
            throw new IOException(file + ": field 'architectures' must be a non-empty list of strings, e.g. [\"LlamaForCausalLM\"]");
        Architecture arch = Architecture.of(archs.get(0).asText());
        if (arch == null)
            throw new IOException(file + ": field 'architectures' names " + archs.get(0) + ", which this engine does not "
                    + "implement; supported: LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM");
        int hidden = f.integer("hidden_size", null);
        int heads = f.integer("num_attention_heads", null);
        int kvHeads = f.integer("num_key_value_heads", heads);
        int headDim = f.integer("head_dim", hidden / heads);

        // rope: transformers 5 nests it under rope_parameters; transformers 4 keeps rope_theta/rope_scaling on top
        JsonNode ropeParams = root.get("rope_parameters");
        JsonNode scalingNode;
        double theta;
        if (ropeParams != null && ropeParams.isObject()) {
            var rf = new Fields(ropeParams, file + " (rope_parameters)");
            theta = rf.number("rope_theta", f.number("rope_theta", 10000.0));
            scalingNode = ropeParams;
        } else {
            theta = f.number("rope_theta", 10000.0);
            scalingNode = root.get("rope_scaling");
        }
        RopeScaling scaling = RopeScaling.NONE;
        if (scalingNode != null && scalingNode.isObject()) {
            var sf = new Fields(scalingNode, file + " (rope scaling)");
            String type = scalingNode.has("rope_type") ? sf.text("rope_type", "default") : sf.text("type", "default");
            scaling = switch (type) {
                case "default" -> RopeScaling.NONE;
                case "linear" -> new RopeScaling("linear", sf.number("factor", null), 0, 0, 0);
                case "llama3" -> new RopeScaling("llama3", sf.number("factor", null), sf.number("low_freq_factor", null),
                        sf.number("high_freq_factor", null), sf.integer("original_max_position_embeddings", null));
                default -> throw new IOException(file + ": rope scaling type '" + type
                        + "' is not supported (supported: default, linear, llama3)");
            };
        } else if (scalingNode != null && !scalingNode.isNull()) {
            throw new IOException(file + ": field 'rope_scaling' must be an object or null");
        }

        int window = 0;
        JsonNode sw = root.get("sliding_window");
        boolean useSliding = arch == Architecture.MISTRAL || (root.has("use_sliding_window") && root.get("use_sliding_window").asBoolean());
        if (useSliding && sw != null && !sw.isNull()) window = f.integer("sliding_window", null);

        JsonNode eos = root.get("eos_token_id");
        List<Integer> eosIds;
        if (eos == null || eos.isNull()) eosIds = List.of();
        else if (eos.isInt()) eosIds = List.of(eos.asInt());
        else if (eos.isArray()) {
            var l = new java.util.ArrayList<Integer>();
            for (JsonNode n : eos) {
                if (!n.isInt()) throw new IOException(file + ": field 'eos_token_id' must be an integer or a list of integers");
                l.add(n.asInt());
            }
            eosIds = l;
        } else throw new IOException(file + ": field 'eos_token_id' must be an integer or a list of integers");
        JsonNode bos = root.get("bos_token_id");
        Integer bosId = bos == null || bos.isNull() ? null : f.integer("bos_token_id", null);

        String act = f.text("hidden_act", "silu");
        if (!act.equals("silu")) throw new IOException(file + ": field 'hidden_act' is '" + act + "'; only 'silu' (SwiGLU) is implemented");
        if (root.has("mlp_bias") && root.get("mlp_bias").asBoolean())
            throw new IOException(file + ": field 'mlp_bias' is true; MLP biases are not implemented");

        try {
            return new ModelConfig(arch, hidden, f.integer("intermediate_size", null), f.integer("num_hidden_layers", null),
                    heads, kvHeads, headDim, f.integer("vocab_size", null), f.integer("max_position_embeddings", 2048),
                    f.number("rms_norm_eps", 1e-6), theta, scaling, f.bool("tie_word_embeddings", false),
                    f.bool("attention_bias", false), f.number("initializer_range", 0.02), window, bosId, eosIds);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(architecture.hfName);
        o.put("model_type", architecture.modelType);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put("vocab_size", vocabSize);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling.type().equals("default")) o.putNull("rope_scaling");
        else {
            ObjectNode s = o.putObject("rope_scaling");
            s.put("rope_type", ropeScaling.type());
            s.put("factor", ropeScaling.factor());
            if (ropeScaling.type().equals("llama3")) {
                s.put("low_freq_factor", ropeScaling.lowFreqFactor());
                s.put("high_freq_factor", ropeScaling.highFreqFactor());
                s.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            }
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (architecture != Architecture.QWEN2) o.put("attention_bias", attentionBias);
        o.put("hidden_act", "silu");
        o.put("initializer_range", initializerRange);
        if (architecture == Architecture.MISTRAL) {
            if (slidingWindow > 0) o.put("sliding_window", slidingWindow); else o.putNull("sliding_window");
        }
        if (bosTokenId != null) o.put("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) o.put("eos_token_id", eosTokenIds.getFirst());
        else if (!eosTokenIds.isEmpty()) {
            ArrayNode a = o.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        o.put("torch_dtype", "float32");
        o.put("use_cache", true);
        return o;
    }

    public void write(Path configJson) throws IOException {
        Files.writeString(configJson, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n");
    }

    /** Typed field access that names the field and file on error. */
    private record Fields(JsonNode node, String file) {
        int integer(String name, Integer dflt) throws IOException {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) return require(name, dflt, "an integer");
            if (!n.canConvertToInt() || !n.isIntegralNumber())
                throw new IOException(file + ": field '" + name + "' must be an integer, got " + n);
            return n.asInt();
        }

        double number(String name, Double dflt) throws IOException {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) return require(name, dflt, "a number");
            if (!n.isNumber()) throw new IOException(file + ": field '" + name + "' must be a number, got " + n);
            return n.asDouble();
        }

        boolean bool(String name, boolean dflt) throws IOException {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) return dflt;
            if (!n.isBoolean()) throw new IOException(file + ": field '" + name + "' must be true or false, got " + n);
            return n.asBoolean();
        }

        String text(String name, String dflt) throws IOException {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) return require(name, dflt, "a string");
            if (!n.isTextual()) throw new IOException(file + ": field '" + name + "' must be a string, got " + n);
            return n.asText();
        }

        private <T> T require(String name, T dflt, String what) throws IOException {
            if (dflt == null) throw new IOException(file + ": missing field '" + name + "' (" + what + ")");
            return dflt;
        }
    }
}
