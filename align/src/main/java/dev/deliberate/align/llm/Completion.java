package dev.deliberate.align.llm;

import dev.deliberate.engine.tokenizer.Reasoning;

import java.util.List;

/**
 * One sampled completion, split into the chain of thought and the answer.
 *
 * @param reasoning    the text inside {@code <think>…</think>} (or an endpoint's {@code reasoning_content}); "" if none
 * @param answer       what the user sees
 * @param finishReason why it ended ({@code stop}, {@code length}, … on the wire)
 * @param usage        token counts
 * @param logprobs     every sampled token with its log-probability and likeliest alternatives, when asked for and
 *                     the model has them (the local engine); else null
 */
public record Completion(String reasoning, String answer, FinishReason finishReason, Usage usage,
                         @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) List<TokenLogprob> logprobs) {

    /** Token counts; {@code reasoningTokens} is the part of {@code completionTokens} spent inside the think block (-1 if unknown). */
    public record Usage(int promptTokens, int completionTokens, int reasoningTokens) {
        public static final Usage UNKNOWN = new Usage(-1, -1, -1);
    }

    public Completion {
        reasoning = reasoning == null ? "" : reasoning;
        answer = answer == null ? "" : answer;
        finishReason = finishReason == null ? FinishReason.STOP : finishReason;
        usage = usage == null ? Usage.UNKNOWN : usage;
        logprobs = logprobs == null ? null : List.copyOf(logprobs);
    }

    public Completion(String reasoning, String answer, FinishReason finishReason, Usage usage) {
        this(reasoning, answer, finishReason, usage, null);
    }

    /** With the reason as a server wrote it ({@link FinishReason#of(String)}). */
    public Completion(String reasoning, String answer, String finishReason, Usage usage) {
        this(reasoning, answer, FinishReason.of(finishReason), usage, null);
    }

    /** Cut off at the token cap ({@code finish_reason: length}). */
    public boolean truncated() {
        return finishReason == FinishReason.LENGTH;
    }

    /** The same completion with per-token log-probabilities. */
    public Completion withLogprobs(List<TokenLogprob> tokens) {
        return new Completion(reasoning, answer, finishReason, usage, tokens);
    }

    /** Splits raw model text at {@code <think>…</think>}. */
    public static Completion fromText(String text, FinishReason finishReason, Usage usage) {
        Reasoning.Split s = Reasoning.split(text);
        return new Completion(s.reasoning(), s.answer(), finishReason, usage);
    }

    /** {@link #fromText(String, FinishReason, Usage)} with the reason as a server wrote it. */
    public static Completion fromText(String text, String finishReason, Usage usage) {
        return fromText(text, FinishReason.of(finishReason), usage);
    }

    /** The whole output as a model would write it: {@code <think>\nreasoning\n</think>\n\nanswer}. */
    public String text() {
        return Reasoning.join(reasoning, answer);
    }
}
