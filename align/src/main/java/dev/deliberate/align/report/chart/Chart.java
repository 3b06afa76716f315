package dev.deliberate.align.report.chart;

import java.util.Objects;

/**
 * A chart that renders itself as a self-contained inline SVG element: a title, two axis titles, a size, and
 * optionally a value range the y axis must include (0..1 for rates).
 */
public abstract sealed class Chart<C extends Chart<C>> permits ScatterChart, BarChart, LineChart, Histogram {

    final String title, xLabel, yLabel;
    double width = 640, height = 420;
    double[] yRange;

    Chart(String title, String xLabel, String yLabel) {
        this.title = Objects.requireNonNull(title, "title");
        this.xLabel = Objects.requireNonNull(xLabel, "xLabel");
        this.yLabel = Objects.requireNonNull(yLabel, "yLabel");
    }

    public String title() {
        return title;
    }

    /** Pixel size of the whole SVG (default 640×420). */
    public C size(double width, double height) {
        if (!(width > 0 && height > 0)) throw new IllegalArgumentException("size must be positive, got " + width + "×" + height);
        this.width = width;
        this.height = height;
        return self();
    }

    /** Makes the y axis include [lo, hi] whatever the data (e.g. 0..1 for rates). */
    public C yRange(double lo, double hi) {
        this.yRange = new double[] {lo, hi};
        return self();
    }

    /** The {@code <svg>…</svg>} markup; the same chart always gives the same bytes. */
    public abstract String svg();

    abstract C self();

    /** The data's [min, max] widened to include {@code fixed} when there is one; {@code fixed} alone when there is no data. */
    static double[] include(double[] data, double[] fixed) {
        if (fixed == null) return data;
        if (!Double.isFinite(data[0])) return fixed.clone();
        return new double[] {Math.min(data[0], fixed[0]), Math.max(data[1], fixed[1])};
    }
}
