package dev.deliberate.align.report.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.DoubleStream;

/**
 * Points in the plane, coloured by series, optionally labelled and with interval bars: the ASR-vs-over-refusal
 * Pareto view (one labelled point per method, bootstrap intervals both ways) and the embedding map (one series per
 * prompt type, many small unlabelled points).
 */
public final class ScatterChart extends Chart<ScatterChart> {

    /** A point; the interval bounds are NaN where there is no interval. */
    public record Point(double x, double y, String label, double xLo, double xHi, double yLo, double yHi) {
        public Point {
            label = label == null ? "" : label;
        }

        public static Point of(double x, double y, String label) {
            return new Point(x, y, label, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }

        public Point withXInterval(double lo, double hi) {
            return new Point(x, y, label, lo, hi, yLo, yHi);
        }

        public Point withYInterval(double lo, double hi) {
            return new Point(x, y, label, xLo, xHi, lo, hi);
        }
    }

    public record Series(String name, List<Point> points) {
        public Series {
            Objects.requireNonNull(name, "name");
            points = List.copyOf(points);
        }
    }

    private final List<Series> series = new ArrayList<>();
    private double radius = 5;
    private boolean labels = true;
    private double[] xRange;

    public ScatterChart(String title, String xLabel, String yLabel) {
        super(title, xLabel, yLabel);
    }

    public ScatterChart add(Series s) {
        series.add(s);
        return this;
    }

    /** Point radius in pixels (small for embedding maps). */
    public ScatterChart radius(double r) {
        this.radius = r;
        return this;
    }

    /** Whether point labels are written next to the points (off for dense maps; they stay as tooltips). */
    public ScatterChart labels(boolean on) {
        this.labels = on;
        return this;
    }

    /** Fixes the x axis to include [lo, hi] (e.g. 0..1 for rates). */
    public ScatterChart xRange(double lo, double hi) {
        this.xRange = new double[] {lo, hi};
        return this;
    }

    @Override
    ScatterChart self() {
        return this;
    }

    @Override
    public String svg() {
        List<Point> all = series.stream().flatMap(s -> s.points().stream()).filter(p -> Double.isFinite(p.x()) && Double.isFinite(p.y())).toList();
        double[] xr = Plot.range(all.stream().flatMapToDouble(p -> DoubleStream.of(p.x(), p.xLo(), p.xHi())).toArray());
        double[] yr = Plot.range(all.stream().flatMapToDouble(p -> DoubleStream.of(p.y(), p.yLo(), p.yHi())).toArray());
        xr = include(xr, xRange);
        yr = include(yr, yRange);
        boolean legend = series.size() > 1 || (series.size() == 1 && !series.getFirst().name().isEmpty());
        var plot = new Plot(title, width, height, legend ? series.stream().map(Series::name).toList() : List.of(),
                Ticks.nice(xr[0], xr[1], 6), Ticks.nice(yr[0], yr[1], 6), 0);
        plot.yAxis(yLabel);
        plot.xAxis(xLabel);
        if (all.isEmpty()) plot.noData();
        Svg svg = plot.svg;
        var placed = new ArrayList<double[]>();
        // every point's disc is taken before any label is placed, so no label covers a point
        for (Point p : all) {
            double cx = plot.px(p.x()), cy = plot.py(p.y());
            placed.add(new double[] {cx - radius, cy - radius, cx + radius, cy + radius});
        }
        var pending = new ArrayList<Object[]>();
        for (int s = 0; s < series.size(); s++) {
            String color = Palette.color(s);
            for (Point p : series.get(s).points()) {
                if (!Double.isFinite(p.x()) || !Double.isFinite(p.y())) continue;
                double cx = plot.px(p.x()), cy = plot.py(p.y());
                if (Double.isFinite(p.xLo()) && Double.isFinite(p.xHi())) {
                    svg.line(plot.px(p.xLo()), cy, plot.px(p.xHi()), cy, color, 1.2);
                    svg.line(plot.px(p.xLo()), cy - 3, plot.px(p.xLo()), cy + 3, color, 1.2);
                    svg.line(plot.px(p.xHi()), cy - 3, plot.px(p.xHi()), cy + 3, color, 1.2);
                }
                if (Double.isFinite(p.yLo()) && Double.isFinite(p.yHi())) {
                    svg.line(cx, plot.py(p.yLo()), cx, plot.py(p.yHi()), color, 1.2);
                    svg.line(cx - 3, plot.py(p.yLo()), cx + 3, plot.py(p.yLo()), color, 1.2);
                    svg.line(cx - 3, plot.py(p.yHi()), cx + 3, plot.py(p.yHi()), color, 1.2);
                }
                svg.circle(cx, cy, radius, color, p.label());
                if (labels && !p.label().isEmpty()) pending.add(new Object[] {cx, cy, Plot.clip(p.label(), 32)});
            }
        }
        for (Object[] l : pending) placeLabel(svg, plot, placed, (double) l[0], (double) l[1], (String) l[2]);
        labelBoxes = placed.subList(all.size(), placed.size()).stream().map(double[]::clone).toList();
        return svg.finish();
    }

    /** The label boxes (x0, y0, x1, y1 in pixels) of the last {@link #svg()}, for tests of the layout. */
    List<double[]> labelBoxes = List.of();

    // Greedy label placement: spots in rings around the point (right, left, above, below and the four diagonals, at
    // growing distance); the first whose box overlaps no point or label placed before and stays inside the chart wins,
    // else the least overlapping. A label set away from its point gets a thin leader line.
    private void placeLabel(Svg svg, Plot plot, List<double[]> placed, double cx, double cy, String label) {
        double w = label.length() * 0.58 * Plot.FONT, h = Plot.FONT;
        double[] best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        int[][] dirs = {{1, -1}, {1, 1}, {-1, -1}, {-1, 1}, {1, 0}, {-1, 0}, {0, -1}, {0, 1}};
        search:
        for (int ring = 0; ring < 5; ring++) {
            double d = radius + 3 + ring * (h + 2);
            for (int[] dir : dirs) {
                double ax = cx + dir[0] * d, ay = cy + dir[1] * (dir[0] == 0 ? d + h / 2 : d * 0.6);
                double x0 = dir[0] > 0 ? ax : dir[0] < 0 ? ax - w : ax - w / 2;
                double y1 = dir[1] < 0 ? ay : dir[1] > 0 ? ay + h : ay + h / 2;
                double[] box = {x0, y1 - h, x0 + w, y1 + 2};
                double cost = ring * 0.5; // nearer is better, all else equal
                for (double[] o : placed) {
                    cost += Math.max(0, Math.min(box[2], o[2]) - Math.max(box[0], o[0])) * Math.max(0, Math.min(box[3], o[3]) - Math.max(box[1], o[1]));
                }
                if (box[0] < 0 || box[2] > svg.width() || box[1] < plot.top - 10 || box[3] > svg.height()) cost += w * h;
                if (cost < bestCost) {
                    bestCost = cost;
                    best = new double[] {box[0], y1, ring, box[0], box[1], box[2], box[3]};
                }
                if (cost <= ring * 0.5) break search;
            }
        }
        placed.add(new double[] {best[3], best[4], best[5], best[6]});
        if (best[2] > 0) {
            double lx = Math.max(best[3], Math.min(cx, best[5])), ly = Math.max(best[4], Math.min(cy, best[6]));
            svg.line(cx, cy, lx, ly, Plot.INK, 0.5);
        }
        svg.text(best[0], best[1], label, "start", Plot.FONT, Plot.INK, 0, false);
    }
}
