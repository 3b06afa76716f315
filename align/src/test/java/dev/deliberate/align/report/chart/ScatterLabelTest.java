package dev.deliberate.align.report.chart;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Issue #11: the ASR-vs-over-refusal view's method labels must not overlap each other or the points. */
class ScatterLabelTest {

    static double overlap(double[] a, double[] b) {
        return Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    }

    @Test
    void sevenMethodsInOneCornerGetSevenSeparateLabels() {
        var chart = new ScatterChart("ASR vs over-refusal", "over-refusal", "ASR").xRange(0, 1).yRange(0, 1).size(560, 420);
        String[] methods = {"no-safety", "direct-sft", "direct-dpo", "da-sft-only", "deliberative", "saro-rw-only", "saro"};
        double[][] at = {{0.00, 0.905}, {0.156, 0.81}, {0.089, 0.81}, {0.289, 0.62}, {0.20, 0.62}, {0.222, 0.43}, {0.089, 0.81}};
        for (int i = 0; i < methods.length; i++)
            chart.add(new ScatterChart.Series(methods[i], List.of(ScatterChart.Point.of(at[i][0], at[i][1], methods[i]))));
        String svg = chart.svg();
        for (String m : methods) assertTrue(svg.contains(">" + m + "<"), m);
        List<double[]> boxes = chart.labelBoxes;
        assertEquals(methods.length, boxes.size());
        for (int i = 0; i < boxes.size(); i++)
            for (int j = i + 1; j < boxes.size(); j++)
                assertEquals(0, overlap(boxes.get(i), boxes.get(j)), 1e-9, methods[i] + " and " + methods[j] + " labels overlap");
    }
}
