package dev.deliberate.align.deliberative;

import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.llm.Completion;

import java.util.List;

/**
 * One teacher sample for a prompt and what the judge made of it.
 *
 * @param index     its position among the K samples
 * @param malformed why it was dropped unjudged ({@code truncated}, {@code no-think-block}, {@code empty-answer},
 *                  {@code stray-think-tag}); null when well-formed
 * @param verdict   the worst of the judge's runs; null when malformed
 * @param score     the minimum score over the judge's runs (Deliberative Alignment §2.3); 0 when malformed
 * @param scores    every run's score
 */
public record JudgedSample(int index, Completion completion, String malformed, Verdict verdict, double score, List<Double> scores) {
    public JudgedSample {
        scores = List.copyOf(scores);
    }

    public boolean wellFormed() {
        return malformed == null;
    }

    /** Well-formed, accepted by the judge, and scoring at least {@code threshold}: good enough to train on. */
    public boolean passes(double threshold) {
        return wellFormed() && verdict.accepted() && score >= threshold;
    }

    /**
     * Why a sample is not trained on: {@code malformed:…}, {@code judge-failed} (the judge's reply could not be read),
     * {@code rejected} (by the judge), {@code below-threshold}; null if it passes.
     */
    public String failure(double threshold) {
        if (!wellFormed()) return "malformed:" + malformed;
        if (verdict.parseFailure()) return "judge-failed";
        if (!verdict.accepted()) return "rejected";
        if (score < threshold) return "below-threshold";
        return null;
    }

    /** Reasoning tokens as the model reported them, else whitespace words. */
    public int reasoningTokens() {
        int r = completion.usage().reasoningTokens();
        return r >= 0 ? r : words(completion.reasoning());
    }

    public int answerTokens() {
        var u = completion.usage();
        return u.completionTokens() >= 0 && u.reasoningTokens() >= 0 ? u.completionTokens() - u.reasoningTokens() : words(completion.answer());
    }

    /** The whole completion's length, the quantity shortest rejection sampling minimises. */
    public int length() {
        return reasoningTokens() + answerTokens();
    }

    public PromptOutcome.SampleNote note(double threshold) {
        String failure = failure(threshold);
        return new PromptOutcome.SampleNote(index, failure == null ? "passed" : failure, score, wellFormed() && verdict.accepted(),
                verdict == null || verdict.decision() == null ? null : verdict.decision().wire(), verdict == null ? null : verdict.reason(),
                reasoningTokens(), answerTokens());
    }

    static int words(String s) {
        return s.isBlank() ? 0 : s.strip().split("\\s+").length;
    }

    /** Why a completion cannot be a training example, or null: cut off, no reasoning, no answer, leftover tags. */
    public static String malformed(Completion c) {
        if ("length".equals(c.finishReason())) return "truncated";
        if (c.reasoning().isBlank()) return "no-think-block";
        if (c.answer().isBlank()) return "empty-answer"; // also what an unclosed <think> leaves
        if (c.answer().contains("<think>") || c.answer().contains("</think>") || c.reasoning().contains("<think>")) return "stray-think-tag";
        return null;
    }
}
