package dev.deliberate.align.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    /** Whether {@link #complete} works: the model continues raw text (a local checkpoint, an endpoint's {@code /v1/completions}). */
    default boolean completesText() {
        return false;
    }

    /**
     * Continues {@code prompt} verbatim, with no chat template: OpenAI's legacy {@code /v1/completions}. Each
     * completion's {@link Completion#answer} holds exactly the generated text (no think-tag split), its reasoning is "".
     *
     * @throws UnsupportedOperationException when {@link #completesText} is false
     */
    default List<Completion> complete(String prompt, SamplingParams params) {
        throw new UnsupportedOperationException(id() + " does not continue raw text (it has no tokenizer here and no /v1/completions)");
    }

    /** Whether {@link #continueReasoning} works: the model can be made to write on from a given reasoning prefix. */
    default boolean continuesReasoning() {
        return false;
    }

    /**
     * The assistant's turn continued from {@code reasoningPrefix}: the conversation is rendered with the model's chat
     * template, an open {@code <think>} and the prefix ({@link ReasoningPrefill}), and the model writes on. Each
     * completion holds the whole reasoning (prefix included) and the answer.
     *
     * @throws UnsupportedOperationException when {@link #continuesReasoning} is false
     */
    default List<Completion> continueReasoning(List<Message> messages, String reasoningPrefix, SamplingParams params) {
        throw new UnsupportedOperationException(id() + " cannot continue a reasoning prefix (a remote endpoint needs --chat-template for /v1/completions)");
    }

    /**
     * The model's own way to branch its reasoning on {@code prompt} exactly (SpecWorld's scripted teacher replays a
     * course from a seed), or empty: then a PP-COT pair is made by continuing a prefix of a sampled chain.
     */
    default Optional<ReasoningBrancher> reasoningBrancher(List<Message> prompt, long seed) {
        return Optional.empty();
    }

    @Override
    default void close() {}

    /**
     * A decorator (a cache, a batcher) that hands the optional capabilities — raw text, reasoning prefixes, the
     * model's own branching — to the model it wraps.
     */
    interface Delegating extends ChatModel {
        ChatModel delegate();

        @Override
        default boolean completesText() {
            return delegate().completesText();
        }

        @Override
        default List<Completion> complete(String prompt, SamplingParams params) {
            return delegate().complete(prompt, params);
        }

        @Override
        default boolean continuesReasoning() {
            return delegate().continuesReasoning();
        }

        @Override
        default List<Completion> continueReasoning(List<Message> messages, String reasoningPrefix, SamplingParams params) {
            return delegate().continueReasoning(messages, reasoningPrefix, params);
        }

        @Override
        default Optional<ReasoningBrancher> reasoningBrancher(List<Message> prompt, long seed) {
            return delegate().reasoningBrancher(prompt, seed);
        }
    }
}
