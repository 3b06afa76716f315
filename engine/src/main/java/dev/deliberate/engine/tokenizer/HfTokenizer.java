package dev.deliberate.engine.tokenizer;

import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face tokenizer loaded from {@code tokenizer.json} (+ {@code tokenizer_config.json}), run by the
 * reference implementation — the Rust {@code tokenizers} library through DJL's JNI binding, whose jar carries the
 * native library (extracted once to {@code ~/.djl.ai}, or {@code DJL_CACHE_DIR}; DJL's offline mode is switched
 * on so it never tries to download). Byte-level BPE (Qwen2/3, Llama 3), SentencePiece-style BPE with Metaspace
 * and byte fallback (Llama 2, Mistral), Unigram and WordPiece all behave exactly as in transformers.
 *
 * <p>{@link #encode} runs in Java ({@link ByteLevelBpeEncoder}) when the file has the byte-level BPE shape of
 * Qwen2/3, Llama 3 or our {@link BpeTrainer}: same ids, measured equal on the goldens and on megabytes of mixed
 * text, many times faster than the JNI round trip (see {@code deliberate bench tokenizer}). Offsets, batch
 * encoding of other shapes and decoding always go to the Rust library; {@code -Ddeliberate.tokenizer.rustOnly=true}
 * sends everything there.
 *
 * <p>We read the JSON ourselves as well: to reject a malformed file with the field named, to know the vocabulary
 * (token ↔ id, which the binding does not expose), and to add tokens that only {@code tokenizer_config.json}
 * declares. Truncation and padding configured in the file are switched off: callers decide lengths.
 * Thread-safe; the native tokenizer is freed by {@link #close} or when this object becomes unreachable.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Set<String> MODEL_TYPES = Set.of("BPE", "Unigram", "WordPiece", "WordLevel");

    private final String source;
    private final TokenizerConfig config;
    private final long handle;
    private final Cleaner.Cleanable cleanable;
    private final Map<String, Integer> tokenToId;
    private final String[] idToToken;
    private final boolean[] special;
    private final SpecialTokens specialTokens;
    private final String chatTemplateSource;
    private final ByteLevelBpeEncoder javaEncoder;

    private HfTokenizer(String source, ObjectNode tokenizerJson, TokenizerConfig config, String chatTemplateSource) {
        this.source = source;
        this.config = config;
        this.chatTemplateSource = chatTemplateSource;
        Map<String, Integer> vocab = readVocab(tokenizerJson, source);
        List<TokenizerConfig.AddedToken> added = readAddedTokens(tokenizerJson, source);
        mergeConfigAddedTokens(tokenizerJson, added, config.addedTokens());
        int size = 0;
        for (int id : vocab.values()) size = Math.max(size, id + 1);
        for (var t : added) size = Math.max(size, t.id() + 1);
        idToToken = new String[size];
        special = new boolean[size];
        tokenToId = new HashMap<>(vocab);
        vocab.forEach((tok, id) -> idToToken[id] = tok);
        for (var t : added) {
            idToToken[t.id()] = t.content();
            tokenToId.put(t.content(), t.id());
            special[t.id()] = t.special();
        }
        this.javaEncoder = Boolean.getBoolean("deliberate.tokenizer.rustOnly") ? null : ByteLevelBpeEncoder.supports(tokenizerJson, vocab, added);
        this.handle = createNative(tokenizerJson, source);
        long h = handle;
        this.cleanable = CLEANER.register(this, () -> TokenizersLibrary.LIB.deleteTokenizer(h));
        this.specialTokens = new SpecialTokens(idOf(config.bosToken()), idOf(config.eosToken()), idOf(config.padToken()),
                idOf(config.unkToken()), idOf(SpecialTokens.IM_START), idOf(SpecialTokens.IM_END),
                idOf(Reasoning.OPEN), idOf(Reasoning.CLOSE));
    }

    /**
     * Loads a tokenizer from a checkpoint folder: {@code tokenizer.json}, and if present
     * {@code tokenizer_config.json} and {@code chat_template.jinja} (which overrides the config's template, as in
     * transformers).
     */
    public static HfTokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file))
            throw new TokenizerFormatException(dir + ": no tokenizer.json here (a Hugging Face checkpoint or tokenizer folder is expected)");
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new TokenizerFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        TokenizerConfig config = TokenizerConfig.read(dir.resolve("tokenizer_config.json"));
        String template = config.chatTemplate();
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                template = Files.readString(jinja);
            } catch (IOException e) {
                throw new TokenizerFormatException(jinja + ": cannot read: " + e.getMessage(), e);
            }
        }
        return fromJson(json, config, template, file.toString());
    }

    /** @param source a name for error messages (the file path) */
    public static HfTokenizer fromJson(String tokenizerJson, TokenizerConfig config, String chatTemplate, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson);
        } catch (IOException e) {
            throw new TokenizerFormatException(source + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode obj)) throw new TokenizerFormatException(source + ": expected a JSON object at the top level");
        return new HfTokenizer(source, obj, config, chatTemplate);
    }

    public TokenizerConfig config() {
        return config;
    }

    /** The checkpoint's chat template with its {@code bos_token}/{@code eos_token}, if it has one. */
    public Optional<ChatTemplate> chatTemplate() {
        if (chatTemplateSource == null) return Optional.empty();
        return Optional.of(new ChatTemplate(chatTemplateSource, ChatTemplate.specialTokens(config)));
    }

    /** True when encoding runs in Java ({@link ByteLevelBpeEncoder}) rather than through the Rust library. */
    public boolean encodesInJava() {
        return javaEncoder != null;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return javaEncoder != null ? javaEncoder.encode(text) : encodeWithRust(text, addSpecialTokens);
    }

    /** Encoding by the reference implementation, whatever {@link #encode} uses: for comparisons and benchmarks. */
    public int[] encodeWithRust(String text, boolean addSpecialTokens) {
        long enc = TokenizersLibrary.LIB.encode(handle, text, addSpecialTokens);
        try {
            return toInts(TokenizersLibrary.LIB.getTokenIds(enc));
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(enc);
        }
    }

    @Override
    public List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        if (javaEncoder != null) return Tokenizer.super.encodeBatch(texts, addSpecialTokens);
        long[] encs = TokenizersLibrary.LIB.batchEncode(handle, texts.toArray(String[]::new), addSpecialTokens);
        List<int[]> out = new ArrayList<>(encs.length);
        try {
            for (long e : encs) out.add(toInts(TokenizersLibrary.LIB.getTokenIds(e)));
        } finally {
            for (long e : encs) TokenizersLibrary.LIB.deleteEncoding(e);
        }
        return out;
    }

    @Override
    public Encoding encodeWithOffsets(String text, boolean addSpecialTokens) {
        long enc = TokenizersLibrary.LIB.encode(handle, text, addSpecialTokens);
        try {
            int[] ids = toInts(TokenizersLibrary.LIB.getTokenIds(enc));
            CharSpan[] spans = TokenizersLibrary.LIB.getTokenCharSpans(enc);
            // the library counts Unicode scalar values; Java strings count UTF-16 units
            int[] utf16At = new int[text.codePointCount(0, text.length()) + 1];
            for (int cp = 0, i = 0; i <= text.length(); cp++) {
                utf16At[cp] = i;
                if (i == text.length()) break;
                i += Character.charCount(text.codePointAt(i));
            }
            int[] starts = new int[ids.length], ends = new int[ids.length];
            for (int k = 0; k < ids.length; k++) {
                CharSpan s = spans[k];
                if (s == null) continue;
                starts[k] = utf16At[s.getStart()];
                ends[k] = utf16At[s.getEnd()];
            }
            return new Encoding(ids, starts, ends);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(enc);
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i]);
            l[i] = ids[i];
        }
        return TokenizersLibrary.LIB.decode(handle, l, skipSpecialTokens);
    }

    @Override
    public int vocabSize() {
        return idToToken.length;
    }

    @Override
    public int tokenToId(String token) {
        return tokenToId.getOrDefault(token, -1);
    }

    @Override
    public String idToToken(int id) {
        checkId(id);
        return idToToken[id];
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + source + ", " + vocabSize() + " ids]";
    }

    private void checkId(int id) {
        if (id < 0 || id >= idToToken.length)
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + idToToken.length + ") of " + source);
    }

    private int idOf(String token) {
        return token == null ? SpecialTokens.NONE : tokenToId.getOrDefault(token, SpecialTokens.NONE);
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    /** Held so the level set below stays (java.util.logging keeps loggers weakly). */
    private static final java.util.logging.Logger DJL_CUDA_LOG = java.util.logging.Logger.getLogger("ai.djl.util.cuda.CudaUtils");

    static {
        // DJL picks a CUDA flavour of the library on GPU machines and would download it; the CPU one in the jar is all we need
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
        // DJL probes for GPUs while picking that flavour and warns when it finds a CUDA runtime without a driver: noise for a CPU tokenizer
        DJL_CUDA_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private static long createNative(ObjectNode json, String source) {
        json.putNull("truncation");
        json.putNull("padding");
        try {
            LibUtils.checkStatus();
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("cannot load the native Hugging Face tokenizers library from DJL's jar (" + e.getMessage()
                    + "); set DJL_CACHE_DIR to a writable folder, or RUST_LIBRARY_PATH to a libtokenizers.so", e);
        }
        try {
            return TokenizersLibrary.LIB.createTokenizerFromString(json.toString());
        } catch (RuntimeException e) {
            throw new TokenizerFormatException(source + ": rejected by the Hugging Face tokenizers library: " + e.getMessage(), e);
        }
    }

    /** Validates {@code model} and returns its vocabulary (token → id). */
    private static Map<String, Integer> readVocab(ObjectNode root, String source) {
        JsonNode model = root.get("model");
        if (model == null || model.isNull()) throw new TokenizerFormatException(source + ": field 'model' is missing");
        if (!model.isObject()) throw new TokenizerFormatException(source + ": field 'model' must be an object");
        JsonNode typeNode = model.get("type");
        String type = typeNode == null ? "BPE" : typeNode.asText();
        if (typeNode != null && !typeNode.isTextual() || !MODEL_TYPES.contains(type))
            throw new TokenizerFormatException(source + ": field 'model.type' must be one of " + MODEL_TYPES + ", got " + typeNode);
        JsonNode vocab = model.get("vocab");
        if (vocab == null || vocab.isNull()) throw new TokenizerFormatException(source + ": field 'model.vocab' is missing");
        Map<String, Integer> out = new HashMap<>();
        if (type.equals("Unigram")) {
            if (!vocab.isArray()) throw new TokenizerFormatException(source + ": field 'model.vocab' must be a list of [piece, score] for a Unigram model");
            for (int i = 0; i < vocab.size(); i++) {
                JsonNode e = vocab.get(i);
                if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber())
                    throw new TokenizerFormatException(source + ": field 'model.vocab[" + i + "]' must be [piece, score]");
                out.put(e.get(0).asText(), i);
            }
            return out;
        }
        if (!vocab.isObject()) throw new TokenizerFormatException(source + ": field 'model.vocab' must be an object {token: id}");
        for (var it = vocab.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0)
                throw new TokenizerFormatException(source + ": field 'model.vocab[\"" + e.getKey() + "\"]' must be a non-negative integer id, got " + e.getValue());
            out.put(e.getKey(), e.getValue().asInt());
        }
        if (type.equals("BPE")) {
            JsonNode merges = model.get("merges");
            if (merges == null || !merges.isArray()) throw new TokenizerFormatException(source + ": field 'model.merges' must be a list of merges");
            for (int i = 0; i < merges.size(); i++) {
                JsonNode m = merges.get(i);
                boolean ok = m.isTextual() && m.asText().indexOf(' ') > 0
                        || m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual();
                if (!ok) throw new TokenizerFormatException(source + ": field 'model.merges[" + i + "]' must be \"a b\" or [\"a\", \"b\"], got " + m);
            }
        }
        for (String part : List.of("normalizer", "pre_tokenizer", "post_processor", "decoder")) {
            JsonNode n = root.get(part);
            if (n != null && !n.isNull() && !(n.isObject() && n.path("type").isTextual()))
                throw new TokenizerFormatException(source + ": field '" + part + "' must be null or an object with a string 'type'");
        }
        return out;
    }

    private static List<TokenizerConfig.AddedToken> readAddedTokens(ObjectNode root, String source) {
        JsonNode added = root.get("added_tokens");
        List<TokenizerConfig.AddedToken> out = new ArrayList<>();
        if (added == null || added.isNull()) return out;
        if (!added.isArray()) throw new TokenizerFormatException(source + ": field 'added_tokens' must be a list");
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            if (!t.path("id").canConvertToInt() || t.path("id").asInt() < 0)
                throw new TokenizerFormatException(source + ": field 'added_tokens[" + i + "].id' must be a non-negative integer");
            if (!t.path("content").isTextual())
                throw new TokenizerFormatException(source + ": field 'added_tokens[" + i + "].content' must be a string");
            out.add(new TokenizerConfig.AddedToken(t.get("id").asInt(), t.get("content").asText(), t.path("special").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false), t.path("normalized").asBoolean(false),
                    t.path("single_word").asBoolean(false)));
        }
        return out;
    }

    /** transformers adds the config's {@code added_tokens_decoder} entries the tokenizer.json lacks; so do we. */
    private static void mergeConfigAddedTokens(ObjectNode root, List<TokenizerConfig.AddedToken> added, List<TokenizerConfig.AddedToken> fromConfig) {
        Set<String> have = new HashSet<>();
        for (var t : added) have.add(t.content());
        ArrayNode arr = root.has("added_tokens") && root.get("added_tokens").isArray() ? (ArrayNode) root.get("added_tokens") : root.putArray("added_tokens");
        for (var t : fromConfig) {
            if (have.contains(t.content())) continue;
            ObjectNode n = arr.addObject();
            n.put("id", t.id()).put("content", t.content()).put("single_word", t.singleWord()).put("lstrip", t.lstrip())
                    .put("rstrip", t.rstrip()).put("normalized", t.normalized()).put("special", t.special());
            added.add(t);
        }
    }
}
