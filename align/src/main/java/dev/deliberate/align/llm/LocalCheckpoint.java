package dev.deliberate.align.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.io.PeftAdapter;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.ChatMessage;
import dev.deliberate.engine.tokenizer.ChatTemplate;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import dev.deliberate.engine.tokenizer.Reasoning;
import dev.deliberate.engine.tokenizer.SpecialTokens;
import dev.deliberate.engine.tokenizer.TokenizerFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Hugging Face checkpoint folder opened for chatting: the engine's weights, the tokenizer, the chat template
 * ({@code chat_template.jinja}, else {@code tokenizer_config.json}'s, else ChatML) and the ids that end a turn.
 * The engine is not re-entrant, so everything that runs the model holds {@link #lock()}.
 */
public final class LocalCheckpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Transformer model;
    private final HfTokenizer tokenizer;
    private final ChatTemplate template;
    private final List<Integer> eosIds;
    private final ReentrantLock lock = new ReentrantLock();
    private final String id;

    private LocalCheckpoint(Path dir, Path adapter, Transformer model, HfTokenizer tokenizer, ChatTemplate template, List<Integer> eosIds) {
        this.dir = dir;
        this.id = adapter == null ? dir.toString() : dir + "+" + adapter.toAbsolutePath().normalize();
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.eosIds = eosIds;
    }

    /**
     * Whether {@code dir} holds a {@code config.json} naming an architecture the engine implements, or names a PEFT
     * LoRA adapter over such a checkpoint (an adapter folder, or {@code BASE_DIR+ADAPTER_DIR}).
     */
    public static boolean isEngineCheckpoint(Path dir) {
        if (!Files.isDirectory(dir) || PeftAdapter.isAdapterFolder(dir)) {
            try {
                PeftAdapter.Reference ref = PeftAdapter.resolve(dir.toString());
                return ref.adapter() != null && isEngineCheckpoint(ref.base());
            } catch (IOException e) {
                // an adapter folder whose base is missing is still ours: open() names the problem
                return PeftAdapter.isAdapterFolder(dir) || dir.toString().contains("+");
            }
        }
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) return false;
        try {
            JsonNode archs = JSON.readTree(cfg.toFile()).path("architectures");
            if (!archs.isArray() || archs.isEmpty()) return false;
            for (var a : ModelConfig.Architecture.values()) if (a.hfName.equals(archs.get(0).asText())) return true;
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * @throws IllegalArgumentException naming the file that is missing or malformed and what would fix it
     */
    public static LocalCheckpoint open(Path dir) {
        Path adapter = null, tokDir;
        if (!Files.isDirectory(dir) || PeftAdapter.isAdapterFolder(dir)) { // a LoRA adapter over a base checkpoint
            try {
                PeftAdapter.Reference ref = PeftAdapter.resolve(dir.toString());
                adapter = ref.adapter();
                tokDir = ref.tokenizerDir().toAbsolutePath().normalize();
                dir = ref.base();
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        } else tokDir = null;
        Path abs = dir.toAbsolutePath().normalize();
        if (tokDir == null) tokDir = abs;
        var missing = new ArrayList<String>();
        if (!Files.isRegularFile(abs.resolve("config.json"))) missing.add("config.json");
        if (!Files.isRegularFile(abs.resolve("model.safetensors")) && !Files.isRegularFile(abs.resolve("model.safetensors.index.json")))
            missing.add("model.safetensors (or model.safetensors.index.json with its shards)");
        if (!Files.isRegularFile(tokDir.resolve("tokenizer.json"))) missing.add("tokenizer.json");
        if (!missing.isEmpty())
            throw new IllegalArgumentException("checkpoint " + abs + " cannot chat: it has no " + String.join(", no ", missing)
                    + (missing.contains("tokenizer.json") && missing.size() == 1
                    ? " (the engine can load its weights, but turning messages into tokens needs the tokenizer: copy tokenizer.json and tokenizer_config.json of the model it was made from into the folder)"
                    : " (a local chat model is a Hugging Face checkpoint folder: config.json, model.safetensors, tokenizer.json, tokenizer_config.json)"));
        HfTokenizer tokenizer;
        try {
            tokenizer = HfTokenizer.load(tokDir);
        } catch (TokenizerFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Transformer model;
        try {
            model = Checkpoint.load(abs, new CpuBackend());
            if (adapter != null) {
                PeftAdapter.apply(model, adapter);
                model.mergeAdapters(); // W + s·B·A once, so decoding costs what the base costs
            }
        } catch (IOException e) {
            tokenizer.close();
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            tokenizer.close();
            throw new IllegalArgumentException(abs + ": the tokenizer has " + tokenizer.vocabSize() + " ids but config.json's vocab_size is "
                    + model.config().vocabSize() + "; the tokenizer files belong to another model");
        }
        ChatTemplate template = tokenizer.chatTemplate().orElseGet(ChatTemplate::chatMl);
        return new LocalCheckpoint(abs, adapter, model, tokenizer, template, eosIds(tokDir.resolve("generation_config.json").toFile().isFile() ? tokDir : abs,
                model.config(), tokenizer.specialTokens()));
    }

    /** The tokenizer's eos, {@code <|im_end|>}, and the ids of generation_config.json and config.json. */
    private static List<Integer> eosIds(Path dir, ModelConfig cfg, SpecialTokens special) {
        Set<Integer> ids = new LinkedHashSet<>();
        if (special.has(special.eos())) ids.add(special.eos());
        if (special.has(special.imEnd())) ids.add(special.imEnd());
        Path gen = dir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            JsonNode eos;
            try {
                eos = JSON.readTree(gen.toFile()).path("eos_token_id");
            } catch (IOException e) {
                throw new IllegalArgumentException(gen + ": not valid JSON: " + e.getMessage(), e);
            }
            if (eos.isInt()) ids.add(eos.asInt());
            else if (eos.isArray()) for (JsonNode n : eos) {
                if (!n.isInt()) throw new IllegalArgumentException(gen + ": field 'eos_token_id' must be an integer or a list of integers");
                ids.add(n.asInt());
            }
            else if (!eos.isMissingNode() && !eos.isNull())
                throw new IllegalArgumentException(gen + ": field 'eos_token_id' must be an integer or a list of integers");
        }
        ids.addAll(cfg.eosTokenIds());
        ids.removeIf(id -> id < 0 || id >= cfg.vocabSize());
        return List.copyOf(ids);
    }

    public Path dir() {
        return dir;
    }

    /** The base folder, and {@code +ADAPTER} when a LoRA adapter was merged in: what caches and ledgers key on. */
    public String id() {
        return id;
    }

    public Transformer model() {
        return model;
    }

    public HfTokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    public List<Integer> eosIds() {
        return eosIds;
    }

    /** Held while the engine runs: its work buffers are shared by every caller. */
    public ReentrantLock lock() {
        return lock;
    }

    /**
     * A rendered, tokenized conversation; {@code thinkPrefix} is the part of the prompt that belongs to the completion
     * (an open {@code <think>} the template left, and any reasoning prefix after it); {@code raw}: a plain-text prompt
     * whose completion is the generated text as it is, not split at think tags.
     */
    public record Prompt(int[] tokens, String thinkPrefix, boolean raw) {
        public Prompt(int[] tokens, String thinkPrefix) {
            this(tokens, thinkPrefix, false);
        }
    }

    /** A raw text prompt, tokenized as transformers does a rendered template (no special tokens added). */
    public Prompt raw(String text) {
        return new Prompt(tokenizer.encode(text, false), "", true);
    }

    /** The conversation rendered to continue the assistant's reasoning from {@code reasoningPrefix} ({@link ReasoningPrefill}). */
    public Prompt prefill(List<Message> messages, String reasoningPrefix) {
        ReasoningPrefill p;
        try {
            p = ReasoningPrefill.of(template, messages, reasoningPrefix);
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
        return new Prompt(tokenizer.encode(p.prompt(), false), p.thinkPrefix());
    }

    /** Renders {@code messages} with the template (with the generation prompt when asked) and tokenizes the text. */
    public Prompt render(List<Message> messages, boolean addGenerationPrompt) {
        List<ChatMessage> chat = messages.stream().map(m -> new ChatMessage(m.role().wire(), m.content())).toList();
        String text;
        try {
            text = template.render(chat, addGenerationPrompt);
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
        int open = text.lastIndexOf(Reasoning.OPEN), close = text.lastIndexOf(Reasoning.CLOSE);
        String prefix = addGenerationPrompt && open > close ? text.substring(open) : "";
        // transformers encodes a rendered template without adding special tokens: the template writes them itself
        return new Prompt(tokenizer.encode(text, false), prefix);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
