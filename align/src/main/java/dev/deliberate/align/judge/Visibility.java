package dev.deliberate.align.judge;

/**
 * What a judge may read. Deliberative Alignment filters SFT data with a judge that sees the CoT, but its RL
 * reward comes from a judge that sees the answer only, so the CoT is never optimised against a grader.
 */
public enum Visibility {
    ANSWER_ONLY, COT_AND_ANSWER
}
