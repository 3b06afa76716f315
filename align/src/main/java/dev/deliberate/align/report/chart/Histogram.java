package dev.deliberate.align.report.chart;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Counts of values in equal-width bins with nice edges (reasoning length per method). Several series share the bins
 * and are drawn translucent on top of each other. Bins are [a, b), the last one [a, b].
 */
public final class Histogram extends Chart<Histogram> {

    public record Series(String name, double[] values) {
        public Series {
            Objects.requireNonNull(name, "name");
            values = values.clone();
        }
    }

    /** Bin edges (bins + 1 of them) and the counts of one series. */
    public record Bins(double[] edges, int[] counts) {}

    private final List<Series> series = new ArrayList<>();
    private int bins = 20;

    public Histogram(String title, String xLabel, String yLabel) {
        super(title, xLabel, yLabel);
    }

    public Histogram add(Series s) {
        series.add(s);
        return this;
    }

    /** About how many bins (the width is rounded to a nice step). */
    public Histogram bins(int bins) {
        if (bins < 1) throw new IllegalArgumentException("bins must be >= 1, got " + bins);
        this.bins = bins;
        return this;
    }

    @Override
    Histogram self() {
        return this;
    }

    /** The shared bin edges over every series' finite values. */
    public double[] edges() {
        double[] r = Plot.range(series.stream().flatMapToDouble(s -> Arrays.stream(s.values())).toArray());
        Ticks t = Ticks.nice(r[0], r[1], bins + 1);
        int n = (int) Math.round((t.max() - t.min()) / t.step());
        double[] e = new double[n + 1];
        List<Double> v = t.values();
        for (int i = 0; i <= n; i++) e[i] = v.get(i);
        return e;
    }

    /** The counts of {@code values} in the bins of {@code edges}; values outside or non-finite are not counted. */
    public static int[] count(double[] values, double[] edges) {
        int[] c = new int[edges.length - 1];
        for (double v : values) {
            if (!Double.isFinite(v) || v < edges[0] || v > edges[edges.length - 1]) continue;
            int i = Arrays.binarySearch(edges, v);
            int bin = i >= 0 ? Math.min(i, c.length - 1) : -i - 2;
            c[bin]++;
        }
        return c;
    }

    @Override
    public String svg() {
        double[] e = edges();
        List<int[]> counts = series.stream().map(s -> count(s.values(), e)).toList();
        int max = counts.stream().flatMapToInt(Arrays::stream).max().orElse(0);
        boolean legend = series.size() > 1 || (series.size() == 1 && !series.getFirst().name().isEmpty());
        var plot = new Plot(title, width, height, legend ? series.stream().map(Series::name).toList() : List.of(),
                Ticks.nice(e[0], e[e.length - 1], Math.min(8, e.length)), Ticks.nice(0, include(new double[] {0, Math.max(1, max)}, yRange)[1], 6), 0);
        plot.yAxis(yLabel);
        plot.xAxis(xLabel);
        Svg svg = plot.svg;
        double opacity = series.size() > 1 ? 0.5 : 0.85;
        for (int s = 0; s < series.size(); s++) {
            int[] c = counts.get(s);
            for (int b = 0; b < c.length; b++) {
                if (c[b] == 0) continue;
                double x0 = plot.px(e[b]), x1 = plot.px(e[b + 1]), y = plot.py(c[b]);
                svg.rect(x0, y, x1 - x0, plot.py(0) - y, Palette.color(s), opacity, "#ffffff");
            }
        }
        if (max == 0) plot.noData();
        return svg.finish();
    }
}
