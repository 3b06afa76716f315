package dev.deliberate.align.data;

import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The prompts a generation run works through: every safety prompt, general-task prompts mixed in to a target share
 * (Deliberative Alignment mixes general data into SFT so the student keeps its abilities), a share of the safety
 * prompts wrapped in a jailbreak family seen in training, in a seeded order so that {@code --limit N} still covers
 * every category. The same arguments always give the same list, which is what lets a killed run resume.
 */
public final class PromptMix {
    private PromptMix() {}

    /**
     * @param generalFraction target share of general tasks in the result, in [0, 1); NaN keeps the input's own mix
     * @param attackFraction  share of safety prompts replaced by an attacked copy
     * @param attacks         the families to draw from; must all be seen families (training never sees held-out ones)
     * @param limit           cap on the result size, 0 = no cap
     */
    public static List<LabelledPrompt> select(List<LabelledPrompt> prompts, double generalFraction, double attackFraction,
                                              List<Attack> attacks, long seed, int limit) {
        if (!(Double.isNaN(generalFraction) || generalFraction >= 0 && generalFraction < 1))
            throw new IllegalArgumentException("general fraction must be in [0, 1), got " + generalFraction);
        if (!(attackFraction >= 0 && attackFraction <= 1))
            throw new IllegalArgumentException("attack fraction must be in [0, 1], got " + attackFraction);
        if (limit < 0) throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        for (Attack a : attacks)
            if (a.heldOut()) throw new IllegalArgumentException("attack family '" + a.name() + "' is held out for evaluation; training data may use seen families only");
        if (attackFraction > 0 && attacks.isEmpty()) throw new IllegalArgumentException("an attack fraction above 0 needs at least one seen attack family");

        List<LabelledPrompt> safety = new ArrayList<>(), general = new ArrayList<>();
        for (LabelledPrompt p : prompts) (p.isGeneral() ? general : safety).add(p);
        var rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<LabelledPrompt> out = new ArrayList<>(prompts.size());
        for (LabelledPrompt p : safety) {
            double u = rnd.nextDouble();
            int which = rnd.nextInt(Math.max(1, attacks.size()));
            long attackSeed = rnd.nextLong();
            out.add(u < attackFraction ? p.attacked(attacks.get(which), attackSeed) : p);
        }
        int wantGeneral = general.size();
        if (!Double.isNaN(generalFraction))
            wantGeneral = Math.min(general.size(), (int) Math.round(safety.size() * generalFraction / (1 - generalFraction)));
        List<LabelledPrompt> shuffledGeneral = shuffled(general, rnd.nextLong());
        out.addAll(shuffledGeneral.subList(0, wantGeneral));
        out = shuffled(out, rnd.nextLong());
        return limit > 0 && limit < out.size() ? List.copyOf(out.subList(0, limit)) : List.copyOf(out);
    }

    /** A seeded shuffle that does not depend on the input's order beyond ids (stable under reordering of equal sets). */
    private static List<LabelledPrompt> shuffled(List<LabelledPrompt> in, long seed) {
        var sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparing(LabelledPrompt::id));
        var rnd = new SplittableRandom(seed);
        for (int i = sorted.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            var t = sorted.get(i);
            sorted.set(i, sorted.get(j));
            sorted.set(j, t);
        }
        return sorted;
    }
}
