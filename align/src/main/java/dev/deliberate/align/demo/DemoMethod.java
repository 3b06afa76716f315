package dev.deliberate.align.demo;

/**
 * The demo's methods, in the order of its table: label (the folder under {@code eval/}), title, and the training run
 * whose checkpoint is evaluated. The two-stage methods' first stages are evaluated too, so the table shows what their
 * second stage (RL, SRPO) changed.
 */
public enum DemoMethod {
    NONE("no-safety", "(a) no safety training", "base"),
    DIRECT_SFT("direct-sft", "(b) direct-refusal SFT", "direct-sft"),
    DIRECT_DPO("direct-dpo", "(c) direct SFT + answer-only DPO", "direct-dpo"),
    DELIBERATIVE_SFT("da-sft-only", "(d') Deliberative Alignment, CoT SFT stage only", "da-sft"),
    DELIBERATIVE("deliberative", "(d) Deliberative Alignment (CoT SFT + RL)", "deliberative"),
    SARO_RW("saro-rw-only", "(e') SaRO, reasoning warmup stage only", "saro-rw"),
    SARO("saro", "(e) SaRO (warmup + SRPO)", "saro");

    public final String label, title, run;

    DemoMethod(String label, String title, String run) {
        this.label = label;
        this.title = title;
        this.run = run;
    }
}
