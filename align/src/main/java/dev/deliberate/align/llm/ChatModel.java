package dev.deliberate.align.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Anything that chats: the local engine, an OpenAI-compatible endpoint, or SpecWorld's scripted teacher.
 * Pipelines, judges and evaluation reach models only through this interface.
 */
public interface ChatModel extends AutoCloseable {

    /** A stable name for provenance and cache keys, e.g. {@code world:teacher} or {@code http://host:8000/v1#qwen}. */
    String id();

    /** Returns exactly {@code params.n()} completions for the conversation. */
    List<Completion> chat(List<Message> messages, SamplingParams params);

    /**
     * Answers several independent requests; the result lists line up with {@code requests}. The default asks one
     * at a time; a batched engine overrides it to decode the requests together.
     */
    default List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        var out = new ArrayList<List<Completion>>(requests.size());
        for (ChatRequest r : requests) out.add(chat(r.messages(), r.params()));
        return out;
    }

    /**
     * Like {@link #chat}, and also hands out the text as it is produced. The deltas of completion {@code i},
     * concatenated, give its reasoning and answer. The default produces everything first and then hands each
     * completion out as one delta; models that really stream (an HTTP endpoint) override it.
     */
    default List<Completion> chatStreaming(List<Message> messages, SamplingParams params, Consumer<ChatDelta> onDelta) {
        List<Completion> completions = chat(messages, params);
        for (int i = 0; i < completions.size(); i++) ChatDelta.emitWhole(i, completions.get(i), onDelta);
        return completions;
    }

    @Override
    default void close() {}
}
