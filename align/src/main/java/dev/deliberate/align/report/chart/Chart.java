package dev.deliberate.align.report.chart;

/** A chart that renders itself as a self-contained inline SVG element. */
public sealed interface Chart permits ScatterChart, BarChart, LineChart, Histogram {

    String title();

    /** The {@code <svg>…</svg>} markup; the same chart always gives the same bytes. */
    String svg();
}
