package dev.deliberate.cli;

import dev.deliberate.align.eval.harness.EvalJudges;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.judge.SpecJudge;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.spec.Spec;

import java.util.List;

/**
 * Resolves {@code --judge} references: {@code world:judge} is SpecWorld's judge; any other reference is a chat model
 * that serves as the XSTest / StrongREJECT LLM judge and, for SpecWorld, as a spec-aware judge.
 */
final class EvalJudgeRefs {
    private EvalJudgeRefs() {}

    /**
     * @param refs      the {@code --judge} values (at most one LLM reference); empty = {@code world:judge} only
     * @param needSpec  whether a SpecWorld benchmark runs
     */
    static EvalJudges open(List<String> refs, boolean needSpec, Spec spec, ChatModels.OpenOptions options, int judgeMaxTokens) {
        try {
            return EvalJudges.open(refs, needSpec, spec, options, judgeMaxTokens);
        } catch (IllegalArgumentException e) {
            throw new UserError("--judge: " + e.getMessage());
        }
    }

    /** The spec-aware LLM judge (SpecJudge) for SpecWorld behind a model reference. */
    static Judge specJudge(String ref, Spec spec, ChatModels.OpenOptions options, int judgeMaxTokens) {
        try {
            var o = judgeMaxTokens > 0 ? SpecJudge.Options.DEFAULT.withMaxTokens(judgeMaxTokens) : SpecJudge.Options.DEFAULT;
            return Judges.open(ref, spec, options, o);
        } catch (IllegalArgumentException e) {
            throw new UserError("--judge: " + e.getMessage());
        }
    }
}
