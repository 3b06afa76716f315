package dev.deliberate.align.report.chart;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * "Nice" axis ticks (Heckbert, Graphics Gems 1990): a step of 1, 2 or 5 × 10ᵏ chosen so that about {@code target}
 * ticks cover the data, and the axis widened to whole steps.
 *
 * @param min      axis start (a multiple of step, ≤ the data minimum)
 * @param max      axis end (≥ the data maximum)
 * @param step     distance between ticks
 * @param decimals how many decimals the tick labels need
 */
public record Ticks(double min, double max, double step, int decimals) {

    public static Ticks nice(double lo, double hi, int target) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) { lo = 0; hi = 1; }
        if (lo > hi) { double t = lo; lo = hi; hi = t; }
        if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = niceNumber((hi - lo) / Math.max(1, target - 1), true);
        double min = Math.floor(lo / step + 1e-9) * step;
        double max = Math.ceil(hi / step - 1e-9) * step;
        int decimals = Math.max(0, -(int) Math.floor(Math.log10(step) + 1e-9));
        return new Ticks(min, max, step, decimals);
    }

    /** The tick values from min to max. */
    public List<Double> values() {
        var out = new ArrayList<Double>();
        long count = Math.round((max - min) / step);
        for (long i = 0; i <= count; i++) {
            out.add(BigDecimal.valueOf(min).add(BigDecimal.valueOf(step).multiply(BigDecimal.valueOf(i))).doubleValue());
        }
        return out;
    }

    /** A tick label with just the decimals the step needs ("0.25", "40", "1.5"). */
    public String label(double v) {
        String s = BigDecimal.valueOf(v).setScale(decimals, java.math.RoundingMode.HALF_UP).toPlainString();
        return s.matches("-0(\\.0*)?") ? s.substring(1) : s;
    }

    // Heckbert's nicenum: the 1/2/5/10 multiple of a power of ten nearest to (round) or above (!round) x
    static double niceNumber(double x, boolean round) {
        double exp = Math.floor(Math.log10(x));
        double f = x / Math.pow(10, exp);
        double nf = round
                ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10)
                : (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10);
        return BigDecimal.valueOf(nf).scaleByPowerOfTen((int) exp).doubleValue();
    }
}
