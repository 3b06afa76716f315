package dev.deliberate.align.demo;

import java.util.List;
import java.util.Locale;

/**
 * The sizes of one demo run. Every branch gets the same budget for the same kind of stage (SFT steps, preference
 * or RL steps, learning rate), so no method is tuned to win.
 *
 * @param perCell         SpecWorld prompts per category × intent cell (both splits)
 * @param generalPerKind  SpecWorld general tasks per kind (both splits); the base model's pretraining prompts
 * @param safetyPrompts   training prompts (seen attacks mixed in, a fifth general) for the safety datasets
 * @param k               teacher samples per prompt for every generator
 * @param vocab           BPE vocabulary size (bytes and special tokens included)
 * @param maxSeq          the student's context; longer training sequences are left out
 * @param batch           sequences (SFT), pairs (DPO) or prompts (RL) per step
 * @param baseSteps       pretraining steps of the base model on general tasks
 * @param sftSteps        steps of each safety SFT stage (direct refusal, CoT SFT, reasoning warmup)
 * @param lr              peak learning rate of the safety SFT stages
 * @param prefSteps       steps of each second stage (answer-only DPO, judge-reward RL, SRPO)
 * @param prefLr          peak learning rate of the second stages
 * @param rlGroup         samples per prompt in RL (GRPO's G)
 * @param evalPrompts     SpecWorld test prompts evaluated (spread over categories and intents; the split's size: all of it),
 *                        each harmful prompt and look-alike under one seen and one held-out family drawn for it
 * @param valPrompts      test-split prompts in the SFT stages' validation sets, and train-split prompts evaluated
 * @param evalMaxTokens   generation cap in evaluation and RL
 * @param practicePerTransformation practice tasks per attack transformation in the base model's corpus
 * @param generalPractice worked arithmetic tasks and word problems in the base model's corpus (train split, operands no
 *                        test prompt uses), so that column arithmetic is learnt as a procedure
 * @param generalReplay   of those, how many every safety SFT stage trains on again (in its own format: with the CoT for
 *                        the reasoning stages, answer only for direct refusal), so that it keeps the base's general ability
 * @param decodingChecks  held-out decoding checks per encoding (rot13, reversal, Pig Latin) of the base model
 * @param seeds           whole comparisons run by default (seeds S, S+1, …), pooled in the table with intervals
 */
public record DemoPreset(String name, int perCell, int generalPerKind, int safetyPrompts, int k, int vocab,
                         int hidden, int intermediate, int layers, int heads, int maxSeq,
                         int batch, int baseSteps, double baseLr, int sftSteps, double lr, int prefSteps, double prefLr, double dpoBeta,
                         int rlGroup, int evalPrompts, int valPrompts, int evalMaxTokens, int practicePerTransformation, int generalPractice, int generalReplay, int decodingChecks, int seeds) {

    /** CI's smoke run: a whole demo in well under three minutes on two cores. */
    public static final DemoPreset TINY = new DemoPreset("tiny", 12, 60, 160, 4, 640,
            64, 176, 2, 4, 640, 8, 300, 3e-3, 150, 3e-3, 30, 2e-4, 0.1, 4, 132, 20, 384, 60, 100, 20, 20, 1);

    /** The default: a student that learns the format and the decisions, two seeds within twenty minutes on two cores. */
    public static final DemoPreset SMALL = new DemoPreset("small", 40, 200, 600, 4, 1024,
            128, 320, 3, 4, 640, 8, 6000, 3e-3, 600, 3e-3, 60, 5e-5, 0.1, 4, 440, 60, 448, 600, 1500, 300, 40, 2);

    /** The orchestration test's preset: seconds, to check folders, table and report — its numbers mean nothing. */
    public static final DemoPreset TEST = new DemoPreset("test", 4, 8, 24, 2, 400,
            16, 32, 1, 2, 768, 2, 3, 3e-3, 2, 1e-3, 2, 1e-3, 0.1, 2, 6, 8, 8, 4, 4, 2, 2, 1);

    public static final List<DemoPreset> NAMED = List.of(TINY, SMALL);

    public DemoPreset {
        if (hidden % heads != 0) throw new IllegalArgumentException("hidden " + hidden + " is not a multiple of heads " + heads);
        if (perCell < 2 || generalPractice < 0 || generalReplay < 0 || batch < 1 || baseSteps < 1 || sftSteps < 1 || prefSteps < 1 || rlGroup < 2 || evalPrompts < 1 || seeds < 1)
            throw new IllegalArgumentException("preset " + name + " has a size below its minimum");
    }

    public static DemoPreset named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals(TEST.name)) return TEST;
        for (DemoPreset p : NAMED) if (p.name.equals(n)) return p;
        throw new IllegalArgumentException("unknown preset '" + name + "'; choose " + String.join(" or ", NAMED.stream().map(DemoPreset::name).toList()));
    }
}
