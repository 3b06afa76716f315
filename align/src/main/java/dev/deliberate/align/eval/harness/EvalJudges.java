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

    /**
     * Resolves {@code --judge} references: {@code world:judge} is SpecWorld's judge; any other reference is a chat
     * model that serves as the XSTest / StrongREJECT judge and, when {@code needSpec} and no world judge is named,
     * as SpecWorld's spec-aware judge. No reference means {@code world:judge} only.
     *
     * @param judgeMaxTokens the LLM judge's answer budget; 0 = each judge's own default
     */
    public static EvalJudges open(java.util.List<String> refs, boolean needSpec, dev.deliberate.align.spec.Spec spec,
                                  dev.deliberate.align.llm.ChatModels.OpenOptions options, int judgeMaxTokens) {
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
            if (needSpec && specJudge == null) {
                var o = judgeMaxTokens > 0 ? dev.deliberate.align.judge.SpecJudge.Options.DEFAULT.withMaxTokens(judgeMaxTokens)
                        : dev.deliberate.align.judge.SpecJudge.Options.DEFAULT;
                specJudge = dev.deliberate.align.judge.Judges.open(llmRef, spec, options, o);
            }
        }
        return new EvalJudges(specJudge, llm, judgeMaxTokens);
    }

    /** A one-line description for config.json and the printed table. */
    public String describe() {
        return "spec judge " + (specJudge == null ? "none" : specJudge.id()) + ", LLM judge " + (llmJudge == null ? "none (string match)" : llmJudge.id());
    }
}
