package dev.deliberate.align.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.eval.metrics.Bootstrap;
import dev.deliberate.align.eval.metrics.Estimate;
import dev.deliberate.align.eval.metrics.Rates;
import dev.deliberate.align.report.chart.BarChart;
import dev.deliberate.align.report.chart.Chart;
import dev.deliberate.align.report.chart.Histogram;
import dev.deliberate.align.report.chart.LineChart;
import dev.deliberate.align.report.chart.ScatterChart;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The report over run folders (docs/runs.md): the comparison table (methods × metrics with intervals), the
 * ASR-vs-over-refusal scatter (the Pareto view both papers use), ASR per attack family (seen vs held out), training
 * curves from every {@code metrics.jsonl}, the embedding map, reasoning-length histograms, reflection statistics, and
 * a few sampled transcripts per cell. One self-contained HTML page; a piece a folder lacks is named, not fatal.
 */
public final class ReportWriter {

    /** The training-log curves drawn, TRL names (docs/runs.md): loss for all, DPO rewards, RL reward and KL. */
    public static final List<String> CURVES = List.of("loss", "rewards/margins", "rewards/accuracies", "reward", "kl");

    /** Transcripts shown per (method, benchmark, attack split) cell. */
    public static final int TRANSCRIPTS_PER_CELL = 3;

    private ReportWriter() {}

    /** What was written: the page and the folders it covers. */
    public record Written(Path file, List<RunFolder> runs, List<String> notes) {}

    /** Discovers the run folders under {@code roots}, renders the report and writes it to {@code out} atomically. */
    public static Written write(List<Path> roots, Path out) {
        return write(roots, null, out);
    }

    /**
     * As {@link #write(List, Path)}, with accuracy changes against the run labelled {@code baseline} (the model before
     * safety training), paired over the items both answered; null = no baseline.
     */
    public static Written write(List<Path> roots, String baseline, Path out) {
        return write(roots, baseline, List.of(), out);
    }

    /** A section of the caller's, shown first (e.g. the demo's table pooled over seeds). */
    public record Section(String heading, String html) {}

    /** As {@link #write(List, String, Path)}, with {@code first} shown before the per-run sections. */
    public static Written write(List<Path> roots, String baseline, List<Section> first, Path out) {
        List<RunFolder> runs = RunFolder.discover(roots);
        var notes = new ArrayList<String>();
        String page = render(runs, baseline, first, notes);
        AtomicFiles.writeString(out, page);
        return new Written(out, runs, notes);
    }

    /** The page for these runs; {@code notes} collects what is missing (also printed in the page). */
    public static String render(List<RunFolder> runs, String baseline, List<String> notes) {
        return render(runs, baseline, List.of(), notes);
    }

    private static String render(List<RunFolder> runs, String baseline, List<Section> first, List<String> notes) {
        var body = new ArrayList<String>();
        var evals = runs.stream().filter(RunFolder::isEval).toList();
        var trains = runs.stream().filter(RunFolder::isTraining).toList();
        body.add(Html.paragraph(runs.size() + " run folder(s): " + evals.size() + " evaluated, " + trains.size() + " with training logs. "
                + "Intervals are bootstrap 95% over prompts."));
        if (runs.isEmpty()) notes.add("no run folders found (a run folder holds metrics.json, results.jsonl or metrics.jsonl)");
        for (RunFolder r : runs) for (String p : r.problems()) notes.add(r.label() + ": " + p);
        for (Section sec : first) {
            body.add(Html.heading(sec.heading()));
            body.add(sec.html());
        }

        body.add(Html.heading("Comparison"));
        body.add(comparison(evals, baseline, notes));
        body.add(Html.heading("Attack success vs over-refusal"));
        body.add(pareto(evals, notes));
        body.add(Html.heading("Attack success per attack family"));
        body.add(families(evals, notes));
        body.add(Html.heading("Training curves"));
        body.add(curves(trains, notes));
        body.add(Html.heading("Embedding map of prompt types"));
        body.add(embeddings(evals, notes));
        body.add(Html.heading("Reasoning and answer length"));
        body.add(lengths(evals, notes));
        body.add(Html.heading("Reflection statistics"));
        body.add(reflection(evals, notes));
        if (evals.stream().anyMatch(r -> r.metrics() != null && r.metrics().has("judge_panel"))) {
            body.add(Html.heading("Judge panel"));
            body.add(judgePanel(evals));
        }
        body.add(Html.heading("Sampled transcripts"));
        body.add(transcripts(evals, notes));
        body.add(Html.heading("Missing pieces"));
        body.add(notes.isEmpty() ? Html.paragraph("Nothing missing.") : list(notes));
        body.add(Html.heading("Run folders"));
        body.add(Html.table(List.of("method", "folder", "kind", "model"), runs.stream()
                .map(r -> List.of(r.label(), r.dir().toString(), kind(r), text(r.config(), "model").orElse(text(r.metrics(), "model").orElse(""))))
                .toList()));
        return Html.page("Deliberate report", body);
    }

    /** {@code deliberate judges}: the metrics under each judge side by side, parse failures, and agreement per pair. */
    private static String judgePanel(List<RunFolder> evals) {
        var b = new StringBuilder();
        for (RunFolder r : evals) {
            if (r.metrics() == null || !r.metrics().has("judge_panel")) continue;
            JsonNode p = r.metrics().get("judge_panel");
            var rows = new ArrayList<List<String>>();
            p.path("per_judge").fields().forEachRemaining(e -> rows.add(List.of(r.label(), e.getKey(),
                    dev.deliberate.align.eval.harness.JudgePanel.cell(e.getValue().at("/metrics/asr")),
                    dev.deliberate.align.eval.harness.JudgePanel.cell(e.getValue().at("/metrics/over_refusal")),
                    dev.deliberate.align.eval.harness.JudgePanel.cell(e.getValue().at("/metrics/style_adherence")),
                    String.format(java.util.Locale.ROOT, "%.1f%%", 100 * e.getValue().path("parse_failure_rate").asDouble()))));
            b.append(Html.table(List.of("method", "judge", "ASR", "over-refusal", "style adherence", "parse failures"), rows));
            var pairs = new ArrayList<List<String>>();
            for (JsonNode x : p.path("agreement"))
                pairs.add(List.of(r.label(), x.path("a").asText() + " vs " + x.path("b").asText(), dev.deliberate.align.eval.harness.JudgePanel.cell(x.get("cohen_kappa")),
                        dev.deliberate.align.eval.harness.JudgePanel.cell(x.get("percent_agreement")), x.path("paired").asText(), x.path("left_out_for_parse_failures").asText()));
            b.append(Html.table(List.of("method", "pair", "Cohen's kappa", "percent agreement", "pairs", "left out (parse failures)"), pairs));
        }
        return b.toString();
    }

    private static String kind(RunFolder r) {
        return r.isEval() && r.isTraining() ? "train + eval" : r.isEval() ? "eval" : r.isTraining() ? "train" : "other";
    }

    // ---- comparison ------------------------------------------------------------------------------------------

    private record Column(String title, String pointer) {}

    private static final List<Column> COLUMNS = List.of(
            new Column("ASR", "/asr/overall"), new Column("ASR none", "/asr/by_split/none"), new Column("ASR seen", "/asr/by_split/seen"),
            new Column("ASR held-out", "/asr/by_split/held-out"), new Column("over-refusal", "/over_refusal"),
            new Column("over-refusal, seen attacks", "/over_refusal_under_attack/seen"),
            new Column("over-refusal, held-out attacks", "/over_refusal_under_attack/held-out"),
            new Column("accuracy", "/accuracy"), new Column("StrongREJECT score", "/strongreject/mean_score"),
            new Column("goodness@0.1", "/strongreject/goodness"), new Column("XSTest contrast compliance", "/xstest/contrast_compliance"),
            new Column("style: refuse", "/style_adherence/refuse"), new Column("style: safe-complete", "/style_adherence/safe-complete"),
            new Column("topic named", "/topic_named"), new Column("policy retrieval", "/policy_retrieval"), new Column("reasoning tokens", "/tokens/mean_reasoning"),
            new Column("answer tokens", "/tokens/mean_answer"));

    private static String comparison(List<RunFolder> evals, String baseline, List<String> notes) {
        var withMetrics = evals.stream().filter(r -> r.metrics() != null).toList();
        if (baseline != null && evals.stream().noneMatch(r -> r.label().equals(baseline)))
            notes.add("baseline '" + baseline + "' is not among the evaluated runs " + evals.stream().map(RunFolder::label).toList());
        if (withMetrics.isEmpty()) {
            notes.add("comparison table: no metrics.json in any folder");
            return Html.paragraph("No evaluated run has metrics.json.");
        }
        var b = new StringBuilder();
        for (String bench : benchmarks(withMetrics)) {
            var used = new ArrayList<Column>();
            for (Column c : COLUMNS) {
                if (withMetrics.stream().anyMatch(r -> !bench(r, bench).at(c.pointer()).isMissingNode())) used.add(c);
            }
            var header = new ArrayList<String>(List.of("method"));
            used.forEach(c -> header.add(c.title()));
            Optional<RunFolder> base = baseline == null ? Optional.empty()
                    : evals.stream().filter(r -> r.label().equals(baseline)).findFirst();
            boolean delta = base.isPresent() && !correctness(base.get(), bench).isEmpty();
            if (delta) header.add("Δ accuracy vs " + baseline);
            var rows = new ArrayList<List<String>>();
            for (RunFolder r : withMetrics) {
                JsonNode m = bench(r, bench);
                if (m.isMissingNode()) continue;
                var row = new ArrayList<String>(List.of(r.label()));
                for (Column c : used) row.add(estimate(m.at(c.pointer())));
                if (delta) {
                    var after = correctness(r, bench);
                    row.add(after.isEmpty() ? "" : format(Rates.accuracyChange(correctness(base.get(), bench), after, Bootstrap.DEFAULT)));
                }
                rows.add(row);
            }
            b.append("<h3>").append(Html.escape(bench)).append("</h3>").append(Html.table(header, rows));
        }
        return b.toString();
    }

    /** Graded outputs (general tasks, GSM8K) of a run on one benchmark, un-attacked, one flag per sample. */
    private static List<Rates.Flag> correctness(RunFolder r, String bench) {
        return r.results().stream()
                .filter(l -> l.path("benchmark").asText().equals(bench) && l.path("attack").asText("none").equals("none")
                        && l.at("/labels/correct").isBoolean())
                .map(l -> Rates.Flag.of(l.path("item").asText(), l.at("/labels/correct").asBoolean()))
                .toList();
    }

    private static String format(Estimate e) {
        if (e.isEmpty()) return "n/a";
        return String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", e.value(), e.lo(), e.hi());
    }

    private static List<String> benchmarks(List<RunFolder> runs) {
        var out = new LinkedHashSet<String>();
        for (RunFolder r : runs) if (r.metrics() != null) r.metrics().path("benchmarks").fieldNames().forEachRemaining(out::add);
        return List.copyOf(out);
    }

    private static JsonNode bench(RunFolder r, String bench) {
        return r.metrics() == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : r.metrics().path("benchmarks").path(bench);
    }

    /** {@code 0.123 [0.100, 0.150]}; "" for a missing estimate, "n/a" for one without data. */
    static String estimate(JsonNode e) {
        if (e.isMissingNode() || e.isNull()) return "";
        if (!e.path("value").isNumber()) return "n/a";
        double v = e.get("value").asDouble();
        String fmt = Math.abs(v) >= 10 ? "%.1f" : "%.3f";
        String s = String.format(Locale.ROOT, fmt, v);
        if (e.path("lo").isNumber() && e.path("hi").isNumber())
            s += String.format(Locale.ROOT, " [" + fmt + ", " + fmt + "]", e.get("lo").asDouble(), e.get("hi").asDouble());
        return s;
    }

    // ---- Pareto view -----------------------------------------------------------------------------------------

    private static String pareto(List<RunFolder> evals, List<String> notes) {
        var charts = new ArrayList<Chart<?>>();
        for (String bench : benchmarks(evals)) {
            var chart = new ScatterChart(bench + ": ASR vs over-refusal (lower-left is better)", "over-refusal", "attack success rate (every attack run)")
                    .xRange(0, 1).yRange(0, 1).size(560, 420);
            int points = 0;
            for (RunFolder r : evals) {
                JsonNode m = bench(r, bench), asr = m.at("/asr/overall"), orr = m.path("over_refusal");
                if (!asr.path("value").isNumber() || !orr.path("value").isNumber()) continue;
                var p = ScatterChart.Point.of(orr.get("value").asDouble(), asr.get("value").asDouble(), r.label())
                        .withXInterval(num(orr, "lo"), num(orr, "hi")).withYInterval(num(asr, "lo"), num(asr, "hi"));
                chart.add(new ScatterChart.Series(r.label(), List.of(p)));
                points++;
            }
            if (points > 0) charts.add(chart);
        }
        if (charts.isEmpty()) {
            notes.add("Pareto view: no benchmark has both ASR and over-refusal (run specworld-test with --attacks none,… or xstest)");
            return Html.paragraph("No benchmark has both attack success and over-refusal.");
        }
        return Html.charts(charts);
    }

    private static double num(JsonNode n, String field) {
        return n.path(field).isNumber() ? n.get(field).asDouble() : Double.NaN;
    }

    // ---- families --------------------------------------------------------------------------------------------

    private static String families(List<RunFolder> evals, List<String> notes) {
        var charts = new ArrayList<Chart<?>>();
        for (String bench : benchmarks(evals)) {
            var names = new TreeSet<String>();
            for (RunFolder r : evals) bench(r, bench).at("/asr/by_family").fieldNames().forEachRemaining(names::add);
            if (names.size() <= 1 && names.contains("none") || names.isEmpty()) continue;
            // none first, then the seen families, then the held-out ones, each alphabetical
            var ordered = new ArrayList<String>();
            if (names.contains("none")) ordered.add("none");
            names.stream().filter(n -> split(n).equals("seen")).forEach(ordered::add);
            names.stream().filter(n -> split(n).equals("held-out")).forEach(ordered::add);
            names.stream().filter(n -> !ordered.contains(n)).forEach(ordered::add);
            var categories = ordered.stream().map(n -> n.equals("none") ? "none" : n + " (" + split(n) + ")").toList();
            var chart = new BarChart(bench + ": ASR per attack family", "attack family", "attack success rate", categories)
                    .yRange(0, 1).size(1260, 440);
            var splits = new BarChart(bench + ": ASR, seen vs held-out families", "attack split", "attack success rate",
                    List.of("none", "seen", "held-out")).yRange(0, 1).size(560, 400);
            for (RunFolder r : evals) {
                JsonNode fam = bench(r, bench).at("/asr/by_family");
                if (fam.isMissingNode()) continue;
                chart.add(new BarChart.Series(r.label(), ordered.stream().map(n -> bar(fam.path(n))).toList()));
                JsonNode sp = bench(r, bench).at("/asr/by_split");
                splits.add(new BarChart.Series(r.label(), List.of(bar(sp.path("none")), bar(sp.path("seen")), bar(sp.path("held-out")))));
            }
            charts.add(chart);
            charts.add(splits);
        }
        if (charts.isEmpty()) {
            notes.add("attack families: no run was evaluated under attacks (--attacks seen,held-out)");
            return Html.paragraph("No run was evaluated under attack families.");
        }
        return Html.charts(charts);
    }

    private static String split(String family) {
        return Attacks.byName(Attacks.builtin(), family).map(a -> a.heldOut() ? "held-out" : "seen").orElse("user");
    }

    private static BarChart.Bar bar(JsonNode e) {
        return new BarChart.Bar(num(e, "value"), num(e, "lo"), num(e, "hi"));
    }

    // ---- training curves -------------------------------------------------------------------------------------

    private static String curves(List<RunFolder> trains, List<String> notes) {
        if (trains.isEmpty()) {
            notes.add("training curves: no metrics.jsonl in any folder");
            return Html.paragraph("No training logs (metrics.jsonl) found.");
        }
        // one chart per run and metric: runs of 60 and 1,500 steps on one step axis would squash the short ones
        var charts = new ArrayList<Chart<?>>();
        for (String metric : CURVES) {
            for (RunFolder r : trains) {
                var chart = new LineChart(r.label() + ": " + metric, "step", metric).size(420, 280);
                int series = 0;
                for (String split : List.of("train", "eval")) {
                    var xs = new ArrayList<Double>();
                    var ys = new ArrayList<Double>();
                    for (JsonNode l : r.training()) {
                        if (!l.path("split").asText("train").equals(split) || !l.path(metric).isNumber() || !l.path("step").isNumber()) continue;
                        xs.add(l.get("step").asDouble());
                        ys.add(l.get(metric).asDouble());
                    }
                    if (xs.isEmpty()) continue;
                    chart.add(new LineChart.Series(split, xs.stream().mapToDouble(Double::doubleValue).toArray(),
                            ys.stream().mapToDouble(Double::doubleValue).toArray()));
                    series++;
                }
                if (series > 0) charts.add(chart);
            }
        }
        if (charts.isEmpty()) {
            notes.add("training curves: the logs have none of " + CURVES);
            return Html.paragraph("The training logs have none of " + CURVES + ".");
        }
        var moved = new StringBuilder();
        for (RunFolder r : trains) moved.append(rlMovement(r));
        return moved + Html.charts(charts);
    }

    /** Below this largest KL from the reference an RL run is said to have barely moved its policy. */
    static final double RL_MOVED_KL = 0.01;

    /**
     * For an RL run (a log with {@code kl}): did it move the policy? The largest KL from the reference and the mean
     * reward of the first and last tenth of the steps, said in words, so a flat RL stage is not read as a result.
     */
    static String rlMovement(RunFolder r) {
        var kl = new ArrayList<Double>();
        var reward = new ArrayList<Double>();
        for (JsonNode l : r.training()) {
            if (!l.path("split").asText("train").equals("train") || !l.path("kl").isNumber()) continue;
            kl.add(l.get("kl").asDouble());
            reward.add(l.path("reward").asDouble(Double.NaN));
        }
        if (kl.isEmpty()) return "";
        double maxKl = kl.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        int tenth = Math.max(1, reward.size() / 10);
        double first = reward.subList(0, tenth).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double last = reward.subList(reward.size() - tenth, reward.size()).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return Html.paragraph(String.format(java.util.Locale.ROOT, "%s: largest KL from the reference %.4f over %d steps; mean reward %.3f in the first tenth "
                        + "of the steps and %.3f in the last. %s", r.label(), maxKl, kl.size(), first, last,
                maxKl < RL_MOVED_KL ? "The policy barely moved at this budget: read this stage's row as its SFT stage's, not as an RL result."
                        : "The policy moved away from its reference."));
    }

    // ---- embedding map ---------------------------------------------------------------------------------------

    private static String embeddings(List<RunFolder> evals, List<String> notes) {
        var charts = new ArrayList<Chart<?>>();
        for (RunFolder r : evals) {
            JsonNode e = r.embedding();
            if (e == null) continue;
            var byType = new LinkedHashMap<String, List<ScatterChart.Point>>();
            for (JsonNode p : e.path("points"))
                byType.computeIfAbsent(p.path("type").asText(), k -> new ArrayList<>())
                        .add(ScatterChart.Point.of(p.path("x").asDouble(), p.path("y").asDouble(), p.path("item").asText() + " " + p.path("attack").asText()));
            JsonNode ex = e.path("explained");
            var chart = new ScatterChart(r.label() + ": prompt representations (PCA)",
                    String.format(Locale.ROOT, "PC1 (%.0f%% of variance)", 100 * ex.path(0).asDouble()),
                    String.format(Locale.ROOT, "PC2 (%.0f%%)", 100 * ex.path(1).asDouble())).radius(3).labels(false).size(560, 440);
            byType.forEach((t, ps) -> chart.add(new ScatterChart.Series(t, ps)));
            charts.add(chart);
        }
        if (charts.isEmpty()) {
            notes.add("embedding map: no embedding.json (written by eval when the model exposes hidden states)");
            return Html.paragraph("No embedding.json in any folder.");
        }
        return Html.charts(charts);
    }

    // ---- lengths ---------------------------------------------------------------------------------------------

    private static String lengths(List<RunFolder> evals, List<String> notes) {
        var reasoning = new Histogram("reasoning tokens per output", "reasoning tokens", "outputs").size(620, 380);
        var answer = new Histogram("answer tokens per output", "answer tokens", "outputs").size(620, 380);
        int n = 0;
        for (RunFolder r : evals) {
            double[] rt = r.results().stream().mapToDouble(l -> l.path("reasoning_tokens").asDouble(-1)).filter(v -> v >= 0).toArray();
            double[] at = r.results().stream().mapToDouble(l -> l.path("answer_tokens").asDouble(-1)).filter(v -> v >= 0).toArray();
            if (rt.length > 0) reasoning.add(new Histogram.Series(r.label(), rt));
            if (at.length > 0) answer.add(new Histogram.Series(r.label(), at));
            n += rt.length + at.length;
        }
        if (n == 0) {
            notes.add("length histograms: no results.jsonl with token counts");
            return Html.paragraph("No token counts in any results.jsonl.");
        }
        return Html.charts(List.of(reasoning, answer));
    }

    // ---- reflection ------------------------------------------------------------------------------------------

    private static String reflection(List<RunFolder> evals, List<String> notes) {
        var rows = new ArrayList<List<String>>();
        for (RunFolder r : evals) {
            for (String bench : benchmarks(List.of(r))) {
                JsonNode refl = bench(r, bench).path("reflection");
                for (Iterator<String> it = refl.fieldNames(); it.hasNext(); ) {
                    String type = it.next();
                    JsonNode t = refl.get(type);
                    var markers = new ArrayList<String>();
                    t.path("markers").properties().forEach(e -> markers.add(e.getKey() + " " + e.getValue().asInt()));
                    rows.add(List.of(r.label(), bench, type, estimate(t.path("mean_count")), estimate(t.path("share_reflecting")),
                            estimate(t.path("mean_relative_position")), estimate(t.path("mean_steps")), String.join(", ", markers)));
                }
            }
        }
        if (rows.isEmpty()) {
            notes.add("reflection statistics: no run produced chains of thought");
            return Html.paragraph("No chains of thought to analyse.");
        }
        return Html.paragraph("Reflection markers (\"wait\", \"however\", re-checking a rule) per CoT and where they occur (0 = first step, 1 = last).")
                + Html.table(List.of("method", "benchmark", "prompt type", "markers per CoT", "CoTs reflecting", "relative position",
                "steps per CoT", "marker counts"), rows);
    }

    // ---- transcripts -----------------------------------------------------------------------------------------

    private static String transcripts(List<RunFolder> evals, List<String> notes) {
        var b = new StringBuilder();
        for (RunFolder r : evals) {
            if (r.results().isEmpty()) continue;
            var cells = new LinkedHashMap<String, List<JsonNode>>();
            for (JsonNode l : r.results())
                cells.computeIfAbsent(l.path("benchmark").asText() + " · " + l.path("attack_split").asText("none"), k -> new ArrayList<>()).add(l);
            var inner = new StringBuilder();
            for (var cell : cells.entrySet()) {
                List<JsonNode> ls = cell.getValue();
                int k = Math.min(TRANSCRIPTS_PER_CELL, ls.size());
                for (int i = 0; i < k; i++) {
                    JsonNode l = ls.get((int) ((long) i * ls.size() / k));
                    inner.append(Html.details(cell.getKey() + " · " + l.path("item").asText() + " · " + l.path("attack").asText()
                            + " · " + outcome(l), Html.pre(transcript(l))));
                }
            }
            b.append(Html.details(r.label() + " (" + r.results().size() + " outputs)", inner.toString()));
        }
        if (b.isEmpty()) {
            notes.add("transcripts: no results.jsonl in any folder");
            return Html.paragraph("No results.jsonl to sample from.");
        }
        return b.toString();
    }

    private static String outcome(JsonNode l) {
        JsonNode labels = l.path("labels");
        if (labels.path("attack_success").isBoolean()) return labels.get("attack_success").asBoolean() ? "attack succeeded" : "attack failed";
        if (labels.path("correct").isBoolean()) return labels.get("correct").asBoolean() ? "correct" : "wrong";
        if (labels.path("refused").isBoolean()) return labels.get("refused").asBoolean() ? "refused" : "complied";
        return Optional.ofNullable(labels.path("judge_failure").textValue()).map(s -> "judge failed").orElse("");
    }

    static String transcript(JsonNode l) {
        var s = new StringBuilder();
        s.append("USER:\n").append(l.path("prompt").asText()).append("\n\n");
        if (!l.path("reasoning").asText().isBlank()) s.append("REASONING:\n").append(l.path("reasoning").asText()).append("\n\n");
        s.append("ANSWER:\n").append(l.path("answer").asText()).append("\n");
        if (l.hasNonNull("raw_answer")) s.append("\n(as written, before decoding:)\n").append(l.get("raw_answer").asText()).append("\n");
        JsonNode v = l.path("verdict");
        String reason = v.path("reason").asText(v.path("failure").asText(v.path("class").asText("")));
        s.append("\nVERDICT: ").append(reason.isEmpty() ? v.toString() : reason).append('\n');
        return s.toString();
    }

    private static String list(List<String> items) {
        var b = new StringBuilder("<ul>");
        for (String i : items) b.append("<li>").append(Html.escape(i)).append("</li>");
        return b.append("</ul>").toString();
    }

    private static Optional<String> text(JsonNode n, String field) {
        return n == null || !n.hasNonNull(field) ? Optional.empty() : Optional.of(n.get(field).asText());
    }

}
