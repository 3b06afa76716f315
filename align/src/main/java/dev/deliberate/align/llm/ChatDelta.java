package dev.deliberate.align.llm;

import java.util.function.Consumer;

/**
 * A piece of completion {@code index} as it is generated: new reasoning text, new answer text, or both.
 * Concatenating the deltas of one index gives that completion's reasoning and answer.
 */
public record ChatDelta(int index, String reasoning, String answer) {
    public ChatDelta {
        reasoning = reasoning == null ? "" : reasoning;
        answer = answer == null ? "" : answer;
    }

    public boolean isEmpty() {
        return reasoning.isEmpty() && answer.isEmpty();
    }

    /** Hands a finished completion out as deltas: the reasoning first (if any), then the answer. */
    public static void emitWhole(int index, Completion c, Consumer<ChatDelta> onDelta) {
        if (!c.reasoning().isEmpty()) onDelta.accept(new ChatDelta(index, c.reasoning(), ""));
        if (!c.answer().isEmpty()) onDelta.accept(new ChatDelta(index, "", c.answer()));
    }
}
