package dev.deliberate.align.eval.metrics;

import java.util.Locale;

/**
 * A metric's value with its percentile-bootstrap interval.
 *
 * @param value the statistic on the data as observed
 * @param lo    lower bound of the interval (2.5th percentile for 95%)
 * @param hi    upper bound (97.5th percentile)
 * @param n     how many independent units (prompts, items) it rests on
 */
public record Estimate(double value, double lo, double hi, int n) {

    /** No data: NaN everywhere, n = 0. */
    public static final Estimate EMPTY = new Estimate(Double.NaN, Double.NaN, Double.NaN, 0);

    public boolean isEmpty() {
        return n == 0;
    }

    /** Writes {@code key: {value, lo, hi, n}} into {@code parent}, NaN as null. */
    public void putInto(com.fasterxml.jackson.databind.node.ObjectNode parent, String key) {
        var x = parent.putObject(key);
        if (Double.isNaN(value)) x.putNull("value");
        else x.put("value", value);
        if (Double.isNaN(lo)) x.putNull("lo");
        else x.put("lo", lo);
        if (Double.isNaN(hi)) x.putNull("hi");
        else x.put("hi", hi);
        x.put("n", n);
    }

    /** {@code 0.412 [0.371, 0.455] (n=250)}. */
    @Override
    public String toString() {
        if (isEmpty()) return "n/a (n=0)";
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f] (n=%d)", value, lo, hi, n);
    }
}
