package dev.deliberate.align.eval.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Percentile bootstrap intervals (Efron & Tibshirani 1993, §13.3): resample the independent units with replacement
 * {@code resamples} times, recompute the statistic, and take the (1−c)/2 and (1+c)/2 quantiles of the replicates.
 * Where several samples belong to one prompt (attack variants, n completions) the prompts are the units that get
 * resampled, so that correlated samples do not shrink the interval. Quantiles interpolate linearly between order
 * statistics (numpy's default, Hyndman–Fan type 7). Seeded: the same data and seed give the same interval.
 */
public record Bootstrap(int resamples, long seed, double confidence) {

    /** 1000 resamples, 95%, a fixed seed. */
    public static final Bootstrap DEFAULT = new Bootstrap(1000, 0x5EEDL, 0.95);

    public Bootstrap {
        if (resamples < 1) throw new IllegalArgumentException("resamples must be >= 1, got " + resamples);
        if (!(confidence > 0 && confidence < 1)) throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
    }

    /** The statistic on {@code units} and its interval from resampling the units. */
    public <U> Estimate estimate(List<U> units, ToDoubleFunction<List<U>> statistic) {
        if (units.isEmpty()) return Estimate.EMPTY;
        double value = statistic.applyAsDouble(units);
        var rng = new SplittableRandom(seed);
        int n = units.size();
        double[] reps = new double[resamples];
        var sample = new ArrayList<U>(n);
        for (int b = 0; b < resamples; b++) {
            sample.clear();
            for (int i = 0; i < n; i++) sample.add(units.get(rng.nextInt(n)));
            reps[b] = statistic.applyAsDouble(sample);
        }
        return interval(value, reps, n);
    }

    /** The mean of independent values. */
    public Estimate mean(double[] values) {
        double[][] clusters = new double[values.length][];
        for (int i = 0; i < values.length; i++) clusters[i] = new double[] {values[i]};
        return pooledMean(clusters);
    }

    /**
     * The mean over all samples, with samples grouped by {@code unit} (e.g. prompt id) and the groups resampled:
     * the share of attacked outputs that succeed, say, when each prompt is attacked several ways.
     */
    public <T> Estimate clusteredMean(List<T> samples, Function<T, String> unit, ToDoubleFunction<T> value) {
        var groups = new LinkedHashMap<String, List<Double>>();
        for (T s : samples) groups.computeIfAbsent(unit.apply(s), k -> new ArrayList<>()).add(value.applyAsDouble(s));
        double[][] clusters = new double[groups.size()][];
        int i = 0;
        for (var g : groups.values()) clusters[i++] = g.stream().mapToDouble(Double::doubleValue).toArray();
        return pooledMean(clusters);
    }

    /** Σ of all values / count of all values, resampling whole clusters. */
    public Estimate pooledMean(double[][] clusters) {
        int k = clusters.length;
        if (k == 0) return Estimate.EMPTY;
        double[] sum = new double[k];
        int[] count = new int[k];
        double total = 0;
        long all = 0;
        for (int c = 0; c < k; c++) {
            for (double v : clusters[c]) sum[c] += v;
            count[c] = clusters[c].length;
            total += sum[c];
            all += count[c];
        }
        if (all == 0) return Estimate.EMPTY;
        var rng = new SplittableRandom(seed);
        double[] reps = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double s = 0;
            long m = 0;
            for (int i = 0; i < k; i++) {
                int c = rng.nextInt(k);
                s += sum[c];
                m += count[c];
            }
            reps[b] = m == 0 ? Double.NaN : s / m;
        }
        return interval(total / all, reps, k);
    }

    private Estimate interval(double value, double[] reps, int n) {
        double[] finite = Arrays.stream(reps).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) return new Estimate(value, Double.NaN, Double.NaN, n);
        double tail = (1 - confidence) / 2;
        return new Estimate(value, quantile(finite, tail), quantile(finite, 1 - tail), n);
    }

    /** The p-quantile of sorted values, linear between order statistics: h = (n−1)p, x⌊h⌋ + (h−⌊h⌋)(x⌊h⌋+1 − x⌊h⌋). */
    public static double quantile(double[] sorted, double p) {
        if (sorted.length == 0) throw new IllegalArgumentException("quantile of no values");
        if (p < 0 || p > 1) throw new IllegalArgumentException("p must be in [0, 1], got " + p);
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        if (lo >= sorted.length - 1) return sorted[sorted.length - 1];
        return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
    }
}
