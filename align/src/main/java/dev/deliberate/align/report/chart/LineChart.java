package dev.deliberate.align.report.chart;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Several series of (x, y) points joined by lines: training curves (loss; DPO reward margin and accuracy by step). */
public final class LineChart extends Chart<LineChart> {

    public record Series(String name, double[] x, double[] y) {
        public Series {
            Objects.requireNonNull(name, "name");
            if (x.length != y.length) throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and " + y.length + " y values");
            x = x.clone();
            y = y.clone();
        }
    }

    private final List<Series> series = new ArrayList<>();

    public LineChart(String title, String xLabel, String yLabel) {
        super(title, xLabel, yLabel);
    }

    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    @Override
    LineChart self() {
        return this;
    }

    @Override
    public String svg() {
        double[] xr = Plot.range(series.stream().flatMapToDouble(s -> Arrays.stream(s.x())).toArray());
        double[] yr = Plot.range(series.stream().flatMapToDouble(s -> Arrays.stream(s.y())).toArray());
        yr = include(yr, yRange);
        var plot = new Plot(title, width, height, series.stream().map(Series::name).toList(),
                Ticks.nice(xr[0], xr[1], 7), Ticks.nice(yr[0], yr[1], 6), 0);
        plot.yAxis(yLabel);
        plot.xAxis(xLabel);
        Svg svg = plot.svg;
        boolean any = false;
        for (int s = 0; s < series.size(); s++) {
            Series se = series.get(s);
            // a NaN breaks the line (a step that logged no value)
            var xs = new ArrayList<Double>();
            var ys = new ArrayList<Double>();
            for (int i = 0; i <= se.x().length; i++) {
                boolean ok = i < se.x().length && Double.isFinite(se.x()[i]) && Double.isFinite(se.y()[i]);
                if (ok) {
                    xs.add(plot.px(se.x()[i]));
                    ys.add(plot.py(se.y()[i]));
                    continue;
                }
                if (xs.size() > 1) svg.polyline(unbox(xs), unbox(ys), Palette.color(s), 2);
                if (xs.size() == 1 || (!xs.isEmpty() && se.x().length <= 40)) {
                    for (int j = 0; j < xs.size(); j++) svg.circle(xs.get(j), ys.get(j), 2.5, Palette.color(s), "");
                }
                any |= !xs.isEmpty();
                xs.clear();
                ys.clear();
            }
        }
        if (!any) plot.noData();
        return svg.finish();
    }

    private static double[] unbox(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
