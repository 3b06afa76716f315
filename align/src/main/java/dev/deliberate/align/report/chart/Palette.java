package dev.deliberate.align.report.chart;

import java.util.List;

/** The Okabe–Ito colour-blind-safe palette, then a few extra distinguishable colours; cycles beyond. */
public final class Palette {
    public static final List<String> COLORS = List.of(
            "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
            "#8C564B", "#7F7F7F");

    private Palette() {}

    public static String color(int i) {
        return COLORS.get(Math.floorMod(i, COLORS.size()));
    }
}
