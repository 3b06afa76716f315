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
 */
public record EvalJudges(Judge specJudge, ChatModel llmJudge) {

    public static EvalJudges world(Judge specJudge) {
        return new EvalJudges(specJudge, null);
    }

    /**
     * Resolves {@code --judge} references: {@code world:judge} is SpecWorld's judge; any other reference is a chat
     * model that serves as the XSTest / StrongREJECT judge and, when {@code needSpec} and no world judge is named,
     * as SpecWorld's spec-aware judge. No reference means {@code world:judge} only.
     */
    public static EvalJudges open(java.util.List<String> refs, boolean needSpec, dev.deliberate.align.spec.Spec spec,
                                  dev.deliberate.align.llm.ChatModels.OpenOptions options) {
        Judge specJudge = null;
        String llmRef = null;
        for (String r : refs) {
            if (r.equals(dev.deliberate.align.judge.WorldJudge.ID)) specJudge = dev.deliberate.align.judge.WorldJudge.builtin();
            else if (llmRef != null) throw new IllegalArgumentException("two LLM judges given (" + llmRef + ", " + r + "); give one, plus world:judge if wanted");
            else llmRef = r;
        }
        if (refs.isEmpty()) specJudge = dev.deliberate.align.judge.WorldJudge.builtin();
        ChatModel llm = null;
        if (llmRef != null) {
            llm = dev.deliberate.align.llm.ChatModels.global().open(llmRef, options);
            if (needSpec && specJudge == null) specJudge = dev.deliberate.align.judge.Judges.open(llmRef, spec, options);
        }
        return new EvalJudges(specJudge, llm);
    }

    /** A one-line description for config.json and the printed table. */
    public String describe() {
        return "spec judge " + (specJudge == null ? "none" : specJudge.id()) + ", LLM judge " + (llmJudge == null ? "none (string match)" : llmJudge.id());
    }
}
