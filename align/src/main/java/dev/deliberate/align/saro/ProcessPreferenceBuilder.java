package dev.deliberate.align.saro;

import dev.deliberate.align.deliberative.JudgedSample;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.llm.ReasoningBrancher;
import dev.deliberate.align.llm.ReasoningBrancher.Chain;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * SaRO's process-level preference pairs, PP-COT (Mou et al., 2025, §3.2): take a chain of thought split into steps,
 * pick a branch step, and continue the same prefix two ways — the chosen with an early safety reflection that cites
 * the rule and a safe continuation, the rejected with continued drift (or a reflection only at a later step). The
 * judge, seeing CoT and answer, must accept the chosen and (for drift) reject the rejected; otherwise no pair. Works
 * for any chain: a {@link ReasoningBrancher} supplies the continuations (the scripted teacher's courses, or a model
 * continuing a prefix).
 */
public final class ProcessPreferenceBuilder {

    /**
     * A built pair, or why there is none.
     *
     * @param reason null when {@code pair} is present; else {@code chain-too-short}, {@code cannot-branch},
     *               {@code chosen-not-accepted} or {@code rejected-accepted}
     */
    public record Result(Optional<Pair> pair, String reason) {}

    public record Pair(int branchStep, String rejectedKind, JudgedSample chosen, JudgedSample rejected) {}

    private final SpecContextSampler judging;

    /** @param judging supplies the judge and its runs ({@link SpecContextSampler#judged}) */
    public ProcessPreferenceBuilder(SpecContextSampler judging) {
        this.judging = judging;
    }

    /** The branch step a seed picks among {@code 1 … steps − 1}: at least one shared step and something left to diverge. */
    public static int branchStep(int steps, long seed) {
        return 1 + new SplittableRandom(seed).nextInt(steps - 1);
    }

    public Result build(LabelledPrompt item, ReasoningBrancher brancher, boolean late, long seed) {
        int n = brancher.steps();
        if (n < 2) return new Result(Optional.empty(), "chain-too-short");
        int step = branchStep(n, seed);
        var branches = brancher.branch(step, late, seed);
        if (branches.isEmpty()) return new Result(Optional.empty(), "cannot-branch");
        Chain c = branches.get().chosen(), r = branches.get().rejected();
        if (c.steps().size() <= step || r.steps().size() <= step || !c.steps().subList(0, step).equals(r.steps().subList(0, step)))
            throw new IllegalStateException("brancher broke the contract at step " + step + " for " + item.id() + ": the chains must share exactly their first "
                    + step + " steps and both continue after them");
        if (c.steps().get(step).equals(r.steps().get(step)) && c.answer().equals(r.answer()))
            return new Result(Optional.empty(), "cannot-branch");
        JudgedSample chosen = judging.judged(item, 0, c.completion());
        JudgedSample rejected = judging.judged(item, 1, r.completion());
        if (!chosen.accepted()) return new Result(Optional.empty(), "chosen-not-accepted");
        String kind = branches.get().rejectedKind();
        if (!kind.equals("late-reflection") && rejected.accepted())
            return new Result(Optional.empty(), "rejected-accepted");
        return new Result(Optional.of(new Pair(step, kind, chosen, rejected)), null);
    }
}
