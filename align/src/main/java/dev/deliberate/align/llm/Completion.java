package dev.deliberate.align.llm;

import dev.deliberate.engine.tokenizer.Reasoning;

import java.util.List;

/**
 * One sampled completion, split into the chain of thought and the answer.
 *
 * @param reasoning    the text inside {@code <think>…</think>} (or an endpoint's {@code reasoning_content}); "" if none
 * @param answer       what the user sees
 * @param finishReason {@code stop}, {@code length}, … as OpenAI reports it
 * @param usage        token counts
 * @param logprobs     every sampled token with its log-probability and likeliest alternatives, when asked for and
 *                     the model has them (the local engine); else null
 */
public record Completion(String reasoning, String answer, String finishReason, Usage usage,
                         @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) List<TokenLogprob> logprobs) {

    /** Token counts; {@code reasoningTokens} is the part of {@code completionTokens} spent inside the think block (-1 if unknown). */
    public record Usage(int promptTokens, int completionTokens, int reasoningTokens) {
        public static final Usage UNKNOWN = new Usage(-1, -1, -1);
    }

    public Completion {
        reasoning = reasoning == null ? "" : reasoning;
        answer = answer == null ? "" : answer;
        finishReason = finishReason == null ? "stop" : finishReason;
        usage = usage == null ? Usage.UNKNOWN : usage;
        logprobs = logprobs == null ? null : List.copyOf(logprobs);
    }

    public Completion(String reasoning, String answer, String finishReason, Usage usage) {
        this(reasoning, answer, finishReason, usage, null);
    }

    /** The same completion with per-token log-probabilities. */
    public Completion withLogprobs(List<TokenLogprob> tokens) {
        return new Completion(reasoning, answer, finishReason, usage, tokens);
    }

    /** Splits raw model text at {@code <think>…</think>}. */
    public static Completion fromText(String text, String finishReason, Usage usage) {
        Reasoning.Split s = Reasoning.split(text);
        return new Completion(s.reasoning(), s.answer(), finishReason, usage);
    }

    /** The whole output as a model would write it: {@code <think>\nreasoning\n</think>\n\nanswer}. */
    public String text() {
        return Reasoning.join(reasoning, answer);
    }
}
