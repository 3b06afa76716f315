package dev.deliberate.align.training;

import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.WorldJudge;

/** The judge behind {@code train rl --judge REF}. */
public final class TrainingJudges {
    private TrainingJudges() {}

    /** {@code world:judge} is SpecWorld's labelled judge; other references arrive with the shared judge registry. */
    public static Judge open(String ref) {
        if (ref.equals(WorldJudge.ID)) return WorldJudge.builtin();
        throw new IllegalArgumentException("unknown judge '" + ref + "': train rl knows " + WorldJudge.ID + " (give it with --judge)");
    }
}
