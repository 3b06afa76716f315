package dev.deliberate.align.report.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.DoubleStream;

/**
 * Grouped bars: one group per category (an attack family), one bar per series in each group (seen vs held out, or
 * one per method), with optional interval whiskers. The value axis always includes zero.
 */
public final class BarChart extends Chart<BarChart> {

    /** One bar's height and its interval (NaN bounds for none); a NaN value leaves the slot empty. */
    public record Bar(double value, double lo, double hi) {
        public static Bar of(double value) {
            return new Bar(value, Double.NaN, Double.NaN);
        }
    }

    /** A series has one bar per category, in category order. */
    public record Series(String name, List<Bar> bars) {
        public Series {
            Objects.requireNonNull(name, "name");
            bars = List.copyOf(bars);
        }
    }

    private final List<String> categories;
    private final List<Series> series = new ArrayList<>();

    public BarChart(String title, String xLabel, String yLabel, List<String> categories) {
        super(title, xLabel, yLabel);
        this.categories = List.copyOf(categories);
    }

    public BarChart add(Series s) {
        if (s.bars().size() != categories.size()) {
            throw new IllegalArgumentException("series '" + s.name() + "' has " + s.bars().size() + " bars for " + categories.size() + " categories");
        }
        series.add(s);
        return this;
    }

    @Override
    BarChart self() {
        return this;
    }

    @Override
    public String svg() {
        double[] yr = Plot.range(series.stream().flatMap(s -> s.bars().stream())
                .flatMapToDouble(b -> DoubleStream.of(b.value(), b.lo(), b.hi())).toArray());
        double lo = Double.isFinite(yr[0]) ? Math.min(0, yr[0]) : 0, hi = Double.isFinite(yr[1]) ? Math.max(0, yr[1]) : 1;
        if (yRange != null) {
            lo = Math.min(lo, yRange[0]);
            hi = Math.max(hi, yRange[1]);
        }
        int longest = categories.stream().mapToInt(String::length).max().orElse(0);
        double slot = (width - Plot.LEFT - Plot.RIGHT - 160) / Math.max(1, categories.size());
        boolean rotate = longest * 0.6 * Plot.FONT > slot;
        double extraBottom = rotate ? Math.min(90, longest * 0.45 * Plot.FONT) : 0;
        var plot = new Plot(title, width, height, series.stream().map(Series::name).toList(),
                new Ticks(0, Math.max(1, categories.size()), 1, 0), Ticks.nice(lo, hi, 6), extraBottom);
        plot.yAxis(yLabel);
        Svg svg = plot.svg;
        if (plot.yt.min() < 0) svg.line(plot.left, plot.py(0), plot.left + plot.width, plot.py(0), Plot.AXIS, 1);
        double groupWidth = plot.width / Math.max(1, categories.size());
        double barWidth = groupWidth * 0.8 / Math.max(1, series.size());
        for (int c = 0; c < categories.size(); c++) {
            double gx = plot.left + c * groupWidth;
            double cx = gx + groupWidth / 2, ly = plot.top + plot.height + 16;
            String label = Plot.clip(categories.get(c), 24);
            if (rotate) svg.text(cx, ly, label, "end", Plot.FONT, Plot.INK, -35, false);
            else svg.text(cx, ly, label, "middle", Plot.FONT, Plot.INK, 0, false);
            for (int s = 0; s < series.size(); s++) {
                Bar b = series.get(s).bars().get(c);
                if (!Double.isFinite(b.value())) continue;
                double x = gx + groupWidth * 0.1 + s * barWidth;
                double y0 = plot.py(0), y1 = plot.py(b.value());
                svg.rect(x + 1, Math.min(y0, y1), barWidth - 2, Math.abs(y0 - y1), Palette.color(s), 1, "");
                if (Double.isFinite(b.lo()) && Double.isFinite(b.hi())) {
                    double mx = x + barWidth / 2;
                    svg.line(mx, plot.py(b.lo()), mx, plot.py(b.hi()), Plot.INK, 1.2);
                    svg.line(mx - 3, plot.py(b.lo()), mx + 3, plot.py(b.lo()), Plot.INK, 1.2);
                    svg.line(mx - 3, plot.py(b.hi()), mx + 3, plot.py(b.hi()), Plot.INK, 1.2);
                }
            }
        }
        plot.xBaseline(xLabel, plot.top + plot.height + 42 + extraBottom);
        if (categories.isEmpty() || series.isEmpty()) plot.noData();
        return svg.finish();
    }
}
