package dev.deliberate.align.llm;

import java.nio.file.Path;

/**
 * Opens checkpoint folders the engine implements ({@code config.json} naming LlamaForCausalLM, Qwen2ForCausalLM or
 * MistralForCausalLM) as {@link LocalChatModel}s; a folder that lacks its weights or tokenizer gets an error naming
 * the missing file.
 */
public final class LocalModelLoader implements ChatModels.LocalLoader {
    private final LocalChatModel.Options options;

    public LocalModelLoader(LocalChatModel.Options options) {
        this.options = options;
    }

    public LocalModelLoader() {
        this(LocalChatModel.Options.DEFAULT);
    }

    @Override
    public boolean accepts(Path dir) {
        return LocalCheckpoint.isEngineCheckpoint(dir);
    }

    @Override
    public ChatModel open(Path dir, ChatModels.OpenOptions ignored) {
        return new LocalChatModel(LocalCheckpoint.open(dir), options);
    }

    @Override
    public String describe() {
        return "the local engine: config.json of a Llama, Qwen2 or Mistral model, model.safetensors and tokenizer.json";
    }
}
