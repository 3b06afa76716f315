package dev.deliberate.align.deliberative;

import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.llm.Completion;

import java.util.List;
import java.util.Objects;

/**
 * One teacher sample for a prompt and what became of it: {@link Judged} by the judge, or dropped unjudged as
 * {@link Malformed}. Either way it keeps its position among the K samples and the completion itself.
 */
public sealed interface JudgedSample permits JudgedSample.Judged, JudgedSample.Malformed {

    /** Its position among the K samples. */
    int index();

    Completion completion();

    /** The minimum score over the judge's runs (Deliberative Alignment §2.3); 0 when malformed. */
    double score();

    /** Every run's score; none when malformed. */
    List<Double> scores();

    /**
     * A sample the judge graded.
     *
     * @param verdict the worst of the judge's runs
     */
    record Judged(int index, Completion completion, Verdict verdict, double score, List<Double> scores) implements JudgedSample {
        public Judged {
            Objects.requireNonNull(verdict, "verdict");
            scores = List.copyOf(scores);
        }
    }

    /**
     * A sample not fit to judge or train on.
     *
     * @param reason {@code truncated}, {@code no-think-block}, {@code empty-answer} or {@code stray-think-tag}
     */
    record Malformed(int index, Completion completion, String reason) implements JudgedSample {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public double score() {
            return 0;
        }

        @Override
        public List<Double> scores() {
            return List.of();
        }
    }

    default boolean wellFormed() {
        return this instanceof Judged;
    }

    /** Well-formed and accepted by the judge (whatever its score). */
    default boolean accepted() {
        return this instanceof Judged j && j.verdict().accepted();
    }

    /** Well-formed, accepted by the judge, and scoring at least {@code threshold}: good enough to train on. */
    default boolean passes(double threshold) {
        return accepted() && score() >= threshold;
    }

    /**
     * Why a sample is not trained on: {@code malformed:…}, {@code judge-failed} (the judge's reply could not be read),
     * {@code rejected} (by the judge), {@code below-threshold}; null if it passes.
     */
    default String failure(double threshold) {
        return switch (this) {
            case Malformed m -> "malformed:" + m.reason();
            case Judged j when j.verdict().parseFailure() -> "judge-failed";
            case Judged j when !j.verdict().accepted() -> "rejected";
            case Judged j when j.score() < threshold -> "below-threshold";
            case Judged j -> null;
        };
    }

    /** Reasoning tokens as the model reported them, else whitespace words. */
    default int reasoningTokens() {
        int r = completion().usage().reasoningTokens();
        return r >= 0 ? r : words(completion().reasoning());
    }

    default int answerTokens() {
        var u = completion().usage();
        return u.completionTokens() >= 0 && u.reasoningTokens() >= 0 ? u.completionTokens() - u.reasoningTokens() : words(completion().answer());
    }

    /** The whole completion's length, the quantity shortest rejection sampling minimises. */
    default int length() {
        return reasoningTokens() + answerTokens();
    }

    default PromptOutcome.SampleNote note(double threshold) {
        String failure = failure(threshold);
        Verdict v = this instanceof Judged j ? j.verdict() : null;
        return new PromptOutcome.SampleNote(index(), failure == null ? "passed" : failure, score(), accepted(),
                v == null || v.decision() == null ? null : v.decision().wire(), v == null ? null : v.reason(),
                reasoningTokens(), answerTokens());
    }

    static int words(String s) {
        return s.isBlank() ? 0 : s.strip().split("\\s+").length;
    }

    /** Why a completion cannot be a training example, or null: cut off, no reasoning, no answer, leftover tags. */
    static String malformed(Completion c) {
        if (c.truncated()) return "truncated";
        if (c.reasoning().isBlank()) return "no-think-block";
        if (c.answer().isBlank()) return "empty-answer"; // also what an unclosed <think> leaves
        if (c.answer().contains("<think>") || c.answer().contains("</think>") || c.reasoning().contains("<think>")) return "stray-think-tag";
        return null;
    }
}
