package dev.deliberate.align.deliberative;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;

/**
 * Deliberative Alignment's robust grading (Guan et al., 2024, §2.3): the spec-aware judge scores a completion k
 * times, and the completion's score is the minimum, so one lenient judging run cannot let a bad sample through.
 */
public final class JudgeMinOfK {
    private JudgeMinOfK() {}

    /** The worst of the k runs (its verdict keeps the judge's reason), with every run's score for provenance. */
    public record Result<V>(V worst, double score, List<Double> scores) {}

    /**
     * @param run   judging run number i (0-based) → verdict; runs differ by the judge's sampling seed
     * @param score a verdict's score
     */
    public static <V> Result<V> judge(int k, IntFunction<V> run, ToDoubleFunction<? super V> score) {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        V worst = null;
        double min = Double.POSITIVE_INFINITY;
        List<Double> scores = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            V v = run.apply(i);
            double s = score.applyAsDouble(v);
            if (Double.isNaN(s)) throw new IllegalStateException("judging run " + i + " returned a NaN score");
            scores.add(s);
            if (s < min) {
                min = s;
                worst = v;
            }
        }
        return new Result<>(worst, min, List.copyOf(scores));
    }
}
