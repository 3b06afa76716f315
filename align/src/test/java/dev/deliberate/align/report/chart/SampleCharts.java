package dev.deliberate.align.report.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** One chart of each kind, shaped like the report's, for the tests and the rendering check. */
public final class SampleCharts {
    private SampleCharts() {}

    public static ScatterChart pareto() {
        var c = new ScatterChart("ASR vs over-refusal", "over-refusal rate", "attack success rate").xRange(0, 1).yRange(0, 1);
        String[] names = {"base", "refusal SFT", "SFT + DPO", "Deliberative <DA>", "SaRO & co"};
        double[][] v = {{0.05, 0.82}, {0.42, 0.31}, {0.38, 0.22}, {0.12, 0.09}, {0.15, 0.11}};
        var pts = new ArrayList<ScatterChart.Point>();
        for (int i = 0; i < names.length; i++) {
            pts.add(ScatterChart.Point.of(v[i][0], v[i][1], names[i])
                    .withXInterval(v[i][0] - 0.03, v[i][0] + 0.04).withYInterval(v[i][1] - 0.05, v[i][1] + 0.05));
        }
        return c.add(new ScatterChart.Series("", pts));
    }

    public static ScatterChart embeddingMap() {
        var c = new ScatterChart("Embedding map (layer 4, PCA)", "PC1", "PC2").radius(2.5).labels(false);
        var rnd = new Random(3);
        String[] types = {"harmful", "jailbreak", "benign look-alike", "general"};
        for (int t = 0; t < types.length; t++) {
            var pts = new ArrayList<ScatterChart.Point>();
            for (int i = 0; i < 40; i++) {
                pts.add(ScatterChart.Point.of(3 * Math.cos(t * 1.6) + rnd.nextGaussian(), 3 * Math.sin(t * 1.6) + rnd.nextGaussian(), types[t] + " #" + i));
            }
            c.add(new ScatterChart.Series(types[t], pts));
        }
        return c;
    }

    public static BarChart families() {
        return new BarChart("ASR per attack family", "attack family", "attack success rate",
                List.of("none", "roleplay", "prefix injection", "base64 (held out)", "many-shot (held out)"))
                .yRange(0, 1)
                .add(new BarChart.Series("refusal SFT", List.of(BarChart.Bar.of(0.02), new BarChart.Bar(0.2, 0.12, 0.28),
                        new BarChart.Bar(0.25, 0.18, 0.33), new BarChart.Bar(0.6, 0.5, 0.7), new BarChart.Bar(0.55, 0.45, 0.66))))
                .add(new BarChart.Series("Deliberative Alignment", List.of(BarChart.Bar.of(0.01), new BarChart.Bar(0.05, 0.02, 0.09),
                        new BarChart.Bar(0.07, 0.03, 0.12), new BarChart.Bar(0.15, 0.09, 0.22), new BarChart.Bar(0.12, 0.07, 0.18))));
    }

    public static LineChart loss() {
        int n = 120;
        double[] x = new double[n], a = new double[n], b = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 10;
            a[i] = 3.2 * Math.exp(-i / 30.0) + 0.6;
            b[i] = i == 60 ? Double.NaN : 3.0 * Math.exp(-i / 45.0) + 0.8;
        }
        return new LineChart("Training loss", "step", "loss")
                .add(new LineChart.Series("CoT SFT", x, a)).add(new LineChart.Series("refusal SFT", x, b));
    }

    public static LineChart dpo() {
        double[] x = {0, 50, 100, 150, 200, 250}, m = {0, 0.4, 0.9, 1.3, 1.6, 1.8}, acc = {0.5, 0.62, 0.74, 0.81, 0.85, 0.88};
        return new LineChart("DPO rewards", "step", "value")
                .add(new LineChart.Series("rewards/margins", x, m)).add(new LineChart.Series("rewards/accuracies", x, acc));
    }

    public static Histogram reasoningLength() {
        var rnd = new Random(7);
        double[] a = new double[300], b = new double[300];
        for (int i = 0; i < 300; i++) {
            a[i] = Math.max(0, 180 + 60 * rnd.nextGaussian());
            b[i] = Math.max(0, 120 + 30 * rnd.nextGaussian());
        }
        return new Histogram("Reasoning length", "reasoning tokens", "outputs")
                .add(new Histogram.Series("Deliberative Alignment", a)).add(new Histogram.Series("SaRO", b));
    }

    public static List<Chart<?>> all() {
        return List.of(pareto(), embeddingMap(), families(), loss(), dpo(), reasoningLength());
    }
}
