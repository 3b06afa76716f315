package dev.deliberate.align.report.chart;

import java.util.List;

/** The frame every chart shares: title, plot area, gridlines, ticks, axis titles and a legend on the right. */
final class Plot {
    static final double LEFT = 72, TOP = 44, BOTTOM = 58, RIGHT = 24, FONT = 12;
    static final String INK = "#222222", GRID = "#e3e3e3", AXIS = "#888888";

    final Svg svg;
    final double left, top, width, height;
    final Ticks xt, yt;

    Plot(String title, double w, double h, List<String> legend, Ticks xt, Ticks yt, double extraBottom) {
        this.svg = new Svg(w, h, title);
        double legendWidth = legend.isEmpty() ? 0 : Math.min(220, 34 + 0.6 * FONT * legend.stream().mapToInt(String::length).max().orElse(0));
        this.left = LEFT;
        this.top = TOP;
        this.width = Math.max(40, w - LEFT - RIGHT - legendWidth);
        this.height = Math.max(40, h - TOP - BOTTOM - extraBottom);
        this.xt = xt;
        this.yt = yt;
        svg.text(w / 2, 24, title, "middle", 15, INK, 0, true);
        for (int i = 0; i < legend.size(); i++) {
            double lx = left + width + 16, ly = top + 8 + i * 20;
            svg.rect(lx, ly - 9, 12, 12, Palette.color(i), 1, "");
            svg.text(lx + 18, ly + 1, clip(legend.get(i), 28), "start", FONT, INK, 0, false);
        }
    }

    double px(double x) {
        return left + (x - xt.min()) / (xt.max() - xt.min()) * width;
    }

    double py(double y) {
        return top + height - (y - yt.min()) / (yt.max() - yt.min()) * height;
    }

    /** Horizontal gridlines with y tick labels, and the y axis title. */
    void yAxis(String yLabel) {
        for (double v : yt.values()) {
            double y = py(v);
            svg.line(left, y, left + width, y, GRID, 1);
            svg.text(left - 8, y + 4, yt.label(v), "end", FONT, INK, 0, false);
        }
        svg.line(left, top, left, top + height, AXIS, 1);
        svg.text(18, top + height / 2, yLabel, "middle", FONT + 1, INK, -90, false);
    }

    /** Vertical gridlines with x tick labels, and the x axis title. */
    void xAxis(String xLabel) {
        for (double v : xt.values()) {
            double x = px(v);
            svg.line(x, top, x, top + height, GRID, 1);
            svg.text(x, top + height + 18, xt.label(v), "middle", FONT, INK, 0, false);
        }
        xBaseline(xLabel, top + height + 42);
    }

    void xBaseline(String xLabel, double labelY) {
        svg.line(left, top + height, left + width, top + height, AXIS, 1);
        svg.text(left + width / 2, labelY, xLabel, "middle", FONT + 1, INK, 0, false);
    }

    void noData() {
        svg.text(left + width / 2, top + height / 2, "no data", "middle", FONT + 2, AXIS, 0, false);
    }

    static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** Min and max of the finite values, or {NaN, NaN}. */
    static double[] range(double[] values) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (Double.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return lo > hi ? new double[] {Double.NaN, Double.NaN} : new double[] {lo, hi};
    }
}
