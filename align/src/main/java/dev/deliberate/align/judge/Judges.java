package dev.deliberate.align.judge;

import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.world.Lexicon;

/** Opens a judge from one command-line reference. */
public final class Judges {
    private Judges() {}

    /** {@code world:judge} is SpecWorld's label-aware judge; any other model reference becomes a {@link SpecJudge} over that model. */
    public static Judge open(String ref, Spec spec, ChatModels.OpenOptions options) {
        return open(ref, spec, options, SpecJudge.Options.DEFAULT);
    }

    public static Judge open(String ref, Spec spec, ChatModels.OpenOptions options, SpecJudge.Options judgeOptions) {
        if (ref.strip().equals(WorldJudge.ID)) return new WorldJudge(spec, Lexicon.builtin(), Attacks.builtin());
        return new SpecJudge(ChatModels.open(ref, options), spec, judgeOptions);
    }
}
