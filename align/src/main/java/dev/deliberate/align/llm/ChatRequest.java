package dev.deliberate.align.llm;

import java.util.List;
import java.util.Objects;

/** One conversation to answer with its sampling parameters: the unit of {@link ChatModel#chatBatch}. */
public record ChatRequest(List<Message> messages, SamplingParams params) {
    public ChatRequest {
        messages = List.copyOf(messages);
        Objects.requireNonNull(params, "params");
        if (messages.isEmpty()) throw new IllegalArgumentException("a chat request needs at least one message");
    }
}
