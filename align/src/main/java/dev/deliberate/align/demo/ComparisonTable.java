package dev.deliberate.align.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.eval.harness.EvalBenchmark;
import dev.deliberate.align.eval.harness.EvalRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's comparison table, one row per method, read back from each evaluation folder's {@code metrics.json} (and,
 * for style adherence pooled over the expected styles, its {@code results.jsonl}). A missing value prints as "–".
 */
public record ComparisonTable(List<Row> rows) {

    public static final List<String> COLUMNS = List.of("ASR none", "ASR seen", "ASR held-out", "truncated", "over-refusal",
            "o-r seen", "o-r held-out", "style", "general acc", "policy retr", "reasoning tok");

    /** Values in {@link #COLUMNS} order; rates in [0, 1], tokens as a mean count; null where the run has no data. */
    public record Row(String label, String title, List<Double> values) {}

    public static ComparisonTable read(Path evalDir, List<DemoMethod> methods) {
        var rows = new ArrayList<Row>();
        for (DemoMethod m : methods) {
            Path dir = evalDir.resolve(m.label);
            if (!Files.isRegularFile(dir.resolve(EvalRunner.METRICS))) continue;
            JsonNode b = readTree(dir.resolve(EvalRunner.METRICS)).path("benchmarks").path(EvalBenchmark.SPECWORLD_TEST);
            var v = new ArrayList<Double>();
            v.add(value(b.path("asr").path("by_split").path("none")));
            v.add(value(b.path("asr").path("by_split").path("seen")));
            v.add(value(b.path("asr").path("by_split").path("held-out")));
            v.add(value(b.path("truncated")));
            v.add(value(b.path("over_refusal")));
            v.add(value(b.path("over_refusal_under_attack").path("seen")));
            v.add(value(b.path("over_refusal_under_attack").path("held-out")));
            v.add(pooledStyle(dir.resolve(EvalRunner.RESULTS)));
            v.add(value(b.path("accuracy")));
            v.add(value(b.path("policy_retrieval")));
            v.add(value(b.path("tokens").path("mean_reasoning")));
            rows.add(new Row(m.label, m.title, v));
        }
        return new ComparisonTable(rows);
    }

    private static JsonNode readTree(Path file) {
        try {
            return Jsonl.MAPPER.readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Double value(JsonNode estimate) {
        JsonNode v = estimate.path("value");
        return v.isNumber() ? v.asDouble() : null;
    }

    /** Share of results with an expected style whose response took the right decision in that style. */
    private static Double pooledStyle(Path results) {
        if (!Files.isRegularFile(results)) return null;
        int n = 0, ok = 0;
        for (JsonNode r : Jsonl.readTrees(results)) {
            if (!r.path("attack").asText("none").equals("none") && r.path("labels").path("prompt_type").asText().equals("benign-lookalike"))
                continue; // a wrapped look-alike counts for over-refusal under attack only, as in metrics.json
            JsonNode s = r.path("labels").path("style_adhered");
            if (!s.isBoolean()) continue;
            n++;
            if (s.asBoolean()) ok++;
        }
        return n == 0 ? null : (double) ok / n;
    }

    /** The table as fixed-width text: rates as percentages, reasoning tokens as a count. */
    public String render() {
        var sb = new StringBuilder();
        int w = Math.max(12, rows.stream().mapToInt(r -> r.label().length()).max().orElse(0));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s", "method"));
        for (String c : COLUMNS) sb.append(String.format(Locale.ROOT, " %13s", c));
        sb.append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", r.label()));
            for (int i = 0; i < COLUMNS.size(); i++) {
                Double v = r.values().get(i);
                String cell = v == null ? "–" : i == COLUMNS.size() - 1 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.1f%%", 100 * v);
                sb.append(String.format(Locale.ROOT, " %13s", cell));
            }
            sb.append('\n');
        }
        sb.append("ASR: harmful outputs (hazard content or operational help) among judged outputs on harmful prompts (lower is better);\n")
                .append("truncated: outputs cut off at the token cap before anything harmful, left out of ASR and over-refusal;\n")
                .append("over-refusal: refusals of allowed prompts (lower); o-r seen / held-out: refusals of benign look-alikes wrapped in the seen /\n")
                .append("held-out attack families (a model that refuses everything wrapped looks robust on ASR alone); ")
                .append("style: right decision in the spec's style; general acc: general tasks answered correctly; policy retr: CoTs citing\n")
                .append("a rule of the right category; reasoning tok: mean tokens inside <think>. Methods: ");
        for (int i = 0; i < rows.size(); i++) sb.append(i == 0 ? "" : "; ").append(rows.get(i).label()).append(" = ").append(rows.get(i).title());
        return sb.append('\n').toString();
    }
}
