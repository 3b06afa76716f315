package dev.deliberate.align.demo;

/**
 * The demo's methods, in the order of its table: label (the folder under {@code eval/}), title, and the training run
 * whose checkpoint is evaluated (null for the teacher's row). The two-stage methods' first stages are evaluated too, so the table shows what their
 * second stage (RL, SRPO) changed.
 */
public enum DemoMethod {
    NONE("no-safety", "(a) no safety training", "base", null),
    DIRECT_SFT("direct-sft", "(b) direct-refusal SFT", "direct-sft", "no-safety"),
    DIRECT_DPO("direct-dpo", "(c) direct SFT + answer-only DPO", "direct-dpo", "direct-sft"),
    DELIBERATIVE_SFT("da-sft-only", "(d') Deliberative Alignment, CoT SFT stage only", "da-sft", "direct-sft"),
    DELIBERATIVE("deliberative", "(d) Deliberative Alignment (CoT SFT + RL)", "deliberative", "direct-sft"),
    SARO_RW("saro-rw-only", "(e') SaRO, reasoning warmup stage only", "saro-rw", "direct-sft"),
    SARO("saro", "(e) SaRO (warmup + SRPO)", "saro", "direct-sft"),
    /** Not a student: the data's teacher with spec(category) in context, as the generators ask it — the ceiling. */
    TEACHER("teacher", "the teacher, spec in context (what the data was sampled from: the ceiling)", null, null);

    /**
     * {@code baseline}: the method this one is compared with for "outside the noise" — safety training against none,
     * every other method against direct-refusal SFT, the no-reasoning arm both papers compare with (null for (a)).
     */
    public final String label, title, run, baseline;

    DemoMethod(String label, String title, String run, String baseline) {
        this.label = label;
        this.title = title;
        this.run = run;
        this.baseline = baseline;
    }
}
