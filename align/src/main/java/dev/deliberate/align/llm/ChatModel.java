package dev.deliberate.align.llm;

import java.util.List;

/**
 * Anything that chats: the local engine, an OpenAI-compatible endpoint, or SpecWorld's scripted teacher.
 * Pipelines, judges and evaluation reach models only through this interface.
 */
public interface ChatModel extends AutoCloseable {

    /** A stable name for provenance and cache keys, e.g. {@code world:teacher} or {@code http://host:8000/v1#qwen}. */
    String id();

    /** Returns exactly {@code params.n()} completions for the conversation. */
    List<Completion> chat(List<Message> messages, SamplingParams params);

    @Override
    default void close() {}
}
