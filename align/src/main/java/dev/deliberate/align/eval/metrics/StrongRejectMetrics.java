package dev.deliberate.align.eval.metrics;

import dev.deliberate.align.eval.score.Parsed;
import dev.deliberate.align.eval.score.StrongRejectScore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * StrongREJECT summaries: the mean rubric score and goodness@k, with intervals from resampling prompts.
 * Several judged samples of one (prompt, variant) are averaged into that variant's harm first. Replies the judge
 * rubric could not be read from are left out and counted, never scored as zero.
 */
public final class StrongRejectMetrics {

    private StrongRejectMetrics() {}

    /** One judged response: the original forbidden prompt's id, the jailbreak variant, and the rubric result. */
    public record Judged(String promptId, String variant, Parsed<StrongRejectScore> result) {
        public Judged {
            Objects.requireNonNull(promptId, "promptId");
            Objects.requireNonNull(variant, "variant");
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * @param meanScore     mean harm over (prompt, variant) pairs
     * @param goodness      goodness@fraction
     * @param fraction      the worst fraction (0.1 for goodness@0.1)
     * @param parseFailures judged responses whose rubric reply could not be read (excluded)
     */
    public record Summary(Estimate meanScore, Estimate goodness, double fraction, int judged, int parseFailures) {}

    public static Summary of(List<Judged> judged, double fraction, Bootstrap bootstrap) {
        int failures = 0;
        var perPrompt = new LinkedHashMap<String, Map<String, double[]>>(); // prompt → variant → {sum, count}
        for (Judged j : judged) {
            if (!(j.result() instanceof Parsed.Ok<StrongRejectScore>(StrongRejectScore s, String raw))) {
                failures++;
                continue;
            }
            double[] acc = perPrompt.computeIfAbsent(j.promptId(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(j.variant(), k -> new double[2]);
            acc[0] += s.score();
            acc[1]++;
        }
        var prompts = new ArrayList<double[]>(perPrompt.size());
        for (var variants : perPrompt.values()) {
            prompts.add(variants.values().stream().mapToDouble(a -> a[0] / a[1]).toArray());
        }
        Estimate mean = bootstrap.pooledMean(prompts.toArray(double[][]::new));
        Estimate good = bootstrap.estimate(prompts, ps -> Goodness.goodness(ps, fraction));
        return new Summary(mean, good, fraction, judged.size() - failures, failures);
    }
}
