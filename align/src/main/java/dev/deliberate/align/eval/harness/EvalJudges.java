package dev.deliberate.align.eval.harness;

import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.llm.ChatModel;

/**
 * The judges of one run.
 *
 * @param specJudge  judges SpecWorld outputs against the spec ({@code world:judge}, or a spec-aware LLM judge);
 *                   null when no SpecWorld benchmark runs
 * @param llmJudge   the chat model behind XSTest's 3-class judge and StrongREJECT's rubric; null = none (XSTest then
 *                   falls back to the string-match baseline; StrongREJECT cannot run)
 * @param maxTokens  the LLM judges' reply budget ({@code --judge-max-tokens}); 0 = each judge's own default
 */
public record EvalJudges(Judge specJudge, ChatModel llmJudge, int maxTokens) {

    public EvalJudges {
        if (maxTokens < 0) throw new IllegalArgumentException("--judge-max-tokens must be >= 0, got " + maxTokens);
    }

    public EvalJudges(Judge specJudge, ChatModel llmJudge) {
        this(specJudge, llmJudge, 0);
    }

    public static EvalJudges world(Judge specJudge) {
        return new EvalJudges(specJudge, null);
    }

    /** A one-line description for config.json and the printed table. */
    public String describe() {
        return "spec judge " + (specJudge == null ? "none" : specJudge.id()) + ", LLM judge " + (llmJudge == null ? "none (string match)" : llmJudge.id());
    }
}
