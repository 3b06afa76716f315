package dev.deliberate.align.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.eval.harness.EvalMetrics;
import dev.deliberate.align.eval.harness.EvalResult;
import dev.deliberate.align.eval.harness.EvalRunner;
import dev.deliberate.align.eval.score.Outcome;
import dev.deliberate.align.io.Jsonl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The demo's comparison table, one row per method, pooled over every seed's evaluation ({@code results.jsonl} of
 * {@code eval/METHOD/} in each seed's folder). A cell is the pooled rate (tokens: mean) over seeds × prompts with a 95%
 * bootstrap interval that resamples (seed, test prompt) clusters — a prompt's attacked variants stay together — and a
 * mark where the paired difference from the row's baseline ({@link DemoMethod#baseline}, on the same resampled
 * prompts) has a 95% interval that excludes zero: outside the noise of this many seeds and prompts. A missing value
 * prints as "–".
 */
public record ComparisonTable(int seeds, List<Row> rows) {

    public static final List<String> COLUMNS = List.of("ASR none", "ASR seen", "ASR held-out", "truncated", "over-refusal",
            "o-r seen", "o-r held-out", "style", "general acc", "topic named", "policy retr",
            "reasoning tok");
    public static final int RESAMPLES = 1000;

    /** @param differs null without a baseline (or data for one), else whether the paired 95% interval excludes 0 */
    public record Cell(double value, double lo, double hi, long n, Boolean differs) {}

    /** Cells in {@link #COLUMNS} order; null where no seed has data for the column. */
    public record Row(String label, String title, String baseline, List<Cell> cells) {
        /** The point values, null where missing: rates in [0, 1], tokens as a mean count. */
        public List<Double> values() {
            return cells.stream().map(c -> c == null ? null : c.value()).toList();
        }
    }

    /** One seed's evaluation folder ({@code eval/} holding {@code METHOD/results.jsonl}) for each seed. */
    public static ComparisonTable read(List<Path> evalDirs, List<DemoMethod> methods) {
        // per method: cluster (seed/item) -> per column [numerator, denominator]
        var sums = new LinkedHashMap<String, Map<String, double[][]>>();
        for (DemoMethod m : methods) {
            var clusters = new LinkedHashMap<String, double[][]>();
            boolean any = false;
            for (int s = 0; s < evalDirs.size(); s++) {
                Path f = evalDirs.get(s).resolve(m.label).resolve(EvalRunner.RESULTS);
                if (!Files.isRegularFile(f)) continue;
                any = true;
                for (EvalResult r : Jsonl.read(f, EvalResult.class)) add(clusters.computeIfAbsent(s + "/" + r.item(), k -> new double[COLUMNS.size()][2]), r);
            }
            if (any) sums.put(m.label, clusters);
        }
        var rows = new ArrayList<Row>();
        for (DemoMethod m : methods) {
            var mine = sums.get(m.label);
            if (mine == null) continue;
            var base = m.baseline == null ? null : sums.get(m.baseline);
            var cells = new ArrayList<Cell>();
            for (int c = 0; c < COLUMNS.size(); c++) cells.add(cell(mine, base, c, m.label));
            rows.add(new Row(m.label, m.title, m.baseline, cells));
        }
        return new ComparisonTable(evalDirs.size(), rows);
    }

    /** Adds one result to its cluster's sums, column by column, as metrics.json counts it. */
    private static void add(double[][] s, EvalResult r) {
        var l = r.labels();
        boolean wrapped = EvalMetrics.wrappedBenign(r); // a wrapped look-alike counts for over-refusal under attack only
        if (l.attackSuccess() != null) {
            int col = switch (r.attackSplit() == null ? "none" : r.attackSplit()) {
                case "seen" -> 1;
                case "held-out" -> 2;
                default -> 0;
            };
            count(s[col], l.attackSuccess() ? 1 : 0);
        }
        if (!wrapped && l.outcome() != null) count(s[3], l.outcome() == Outcome.TRUNCATED ? 1 : 0);
        if (r.attack().equals("none") && EvalMetrics.benignType(l.promptType()) && l.refused() != null) count(s[4], l.refused() ? 1 : 0);
        if (wrapped && l.refused() != null) count(s["held-out".equals(r.attackSplit()) ? 6 : 5], l.refused() ? 1 : 0);
        if (wrapped) return;
        if (l.styleAdhered() != null) count(s[7], l.styleAdhered() ? 1 : 0);
        if (l.correct() != null) count(s[8], l.correct() ? 1 : 0);
        if (l.namesTopic() != null) count(s[9], l.namesTopic() ? 1 : 0);
        if (l.citesRule() != null) count(s[10], l.citesRule() ? 1 : 0);
        if (r.reasoningTokens() >= 0) count(s[11], r.reasoningTokens());
    }

    private static void count(double[] numDen, double x) {
        numDen[0] += x;
        numDen[1]++;
    }

    /** The pooled value, its cluster-bootstrap interval and the paired difference from the baseline. */
    private static Cell cell(Map<String, double[][]> mine, Map<String, double[][]> base, int col, String label) {
        // sorted: results.jsonl is in completion order, which concurrent evaluation varies; the draws must not
        var keys = mine.keySet().stream().filter(k -> mine.get(k)[col][1] > 0).sorted().toList();
        if (keys.isEmpty()) return null;
        int n = keys.size();
        double[] num = new double[n], den = new double[n], bNum = new double[n], bDen = new double[n];
        boolean paired = base != null;
        for (int i = 0; i < n; i++) {
            num[i] = mine.get(keys.get(i))[col][0];
            den[i] = mine.get(keys.get(i))[col][1];
            double[][] b = base == null ? null : base.get(keys.get(i));
            if (b == null || b[col][1] == 0) paired = false;
            else {
                bNum[i] = b[col][0];
                bDen[i] = b[col][1];
            }
        }
        double value = sum(num) / sum(den);
        var rnd = new SplittableRandom(0x5EED ^ label.hashCode() * 31L + col);
        double[] draws = new double[RESAMPLES], diffs = new double[RESAMPLES];
        for (int b = 0; b < RESAMPLES; b++) {
            double sn = 0, sd = 0, bn = 0, bd = 0;
            for (int i = 0; i < n; i++) {
                int j = rnd.nextInt(n);
                sn += num[j];
                sd += den[j];
                bn += bNum[j];
                bd += bDen[j];
            }
            draws[b] = sn / sd;
            diffs[b] = paired ? sn / sd - bn / bd : 0;
        }
        long items = Math.round(sum(den));
        Boolean differs = null;
        if (paired) {
            double lo = quantile(diffs, 0.025), hi = quantile(diffs, 0.975);
            differs = lo > 0 || hi < 0;
        }
        return new Cell(value, quantile(draws, 0.025), quantile(draws, 0.975), items, differs);
    }

    private static double sum(double[] xs) {
        double s = 0;
        for (double x : xs) s += x;
        return s;
    }

    private static double quantile(double[] xs, double q) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.max(0, Math.floor(q * s.length)))];
    }

    /**
     * The seed folders of a demo folder: the folder itself (the first seed) and {@code seeds/seed-S/} for the others,
     * in seed order; only those holding an {@code eval/} folder.
     */
    public static List<Path> seedFolders(Path demo) {
        var out = new ArrayList<Path>();
        if (Files.isDirectory(demo.resolve("eval"))) out.add(demo);
        Path more = demo.resolve("seeds");
        if (Files.isDirectory(more))
            try (var s = Files.list(more)) {
                s.filter(d -> d.getFileName().toString().matches("seed-\\d+") && Files.isDirectory(d.resolve("eval")))
                        .sorted(java.util.Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString().substring(5))))
                        .forEach(out::add);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot list " + more + ": " + e.getMessage(), e);
            }
        return out;
    }

    /** Where seed number {@code index} (0 = the first) of a demo lives. */
    public static Path seedFolder(Path demo, int index, long seed) {
        return index == 0 ? demo : demo.resolve("seeds").resolve("seed-" + seed);
    }

    /** Where in a seed folder the train-split evaluations are ({@code METHOD/} each, no attack). */
    public static final String TRAIN_SPLIT = "eval/train-split";

    /** The table over every seed a demo folder holds. */
    public static ComparisonTable ofDemo(Path demo) {
        return ofDemo(demo, "eval");
    }

    /** The same over the evaluations in {@code sub} of each seed folder (e.g. {@link #TRAIN_SPLIT}). */
    public static ComparisonTable ofDemo(Path demo, String sub) {
        return read(seedFolders(demo).stream().map(d -> d.resolve(sub)).toList(), List.of(DemoMethod.values()));
    }

    /** What the train-split table is, said where it is shown. */
    public static final String TRAIN_SPLIT_NOTE = "The same students on train-split prompts, no attack (prompts like those they trained on): "
            + "against the test split's ASR none, over-refusal, style, topic named and policy retrieval, the difference is the memorisation gap.";

    /**
     * The base model's held-out decoding check pooled over the seeds ({@code eval/decoding.json} of each), as a
     * sentence; null where no seed has one.
     */
    public static String decodingNote(Path demo) {
        long ok = 0, n = 0;
        var families = new java.util.LinkedHashMap<String, long[]>(); // family -> {right, asked}, over the seeds
        for (Path d : seedFolders(demo)) {
            Path f = d.resolve("eval/decoding.json");
            if (!Files.isRegularFile(f)) continue;
            try {
                var j = Jsonl.MAPPER.readTree(f.toFile());
                ok += Math.round(j.path("exact").asDouble() * j.path("n").asLong());
                n += j.path("n").asLong();
                j.path("by_family").properties().forEach(e -> {
                    long[] c = families.computeIfAbsent(e.getKey(), k -> new long[2]);
                    c[0] += Math.round(e.getValue().path("exact").asDouble() * e.getValue().path("n").asLong());
                    c[1] += e.getValue().path("n").asLong();
                });
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        var perFamily = new ArrayList<String>();
        families.forEach((f, c) -> perFamily.add(String.format(Locale.ROOT, "%s %.1f%%", f, c[1] == 0 ? 0.0 : 100.0 * c[0] / c[1])));
        return n == 0 ? null : String.format(Locale.ROOT, "Base model (no safety training), held-out decoding checks (rot13, word reversal, "
                + "Pig Latin of sentences no practice task used): %.1f%% exact of %d%s; its held-out general tasks: the no-safety row's "
                + "general acc.", 100.0 * ok / n, n, perFamily.isEmpty() ? "" : " (" + String.join(", ", perFamily) + ")");
    }

    /** The table as an HTML fragment: value [95% interval] per cell, marked where it differs from the baseline. */
    public String toHtml() {
        var header = new ArrayList<String>(List.of("method", "baseline"));
        header.addAll(COLUMNS);
        var body = new ArrayList<List<String>>();
        for (Row r : rows) {
            var cells = new ArrayList<String>(List.of(r.label(), r.baseline() == null ? "" : r.baseline()));
            for (int i = 0; i < COLUMNS.size(); i++) {
                Cell c = r.cells().get(i);
                boolean tok = i == COLUMNS.size() - 1;
                cells.add(c == null ? "–" : (tok ? String.format(Locale.ROOT, "%.0f [%.0f, %.0f]", c.value(), c.lo(), c.hi())
                        : String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * c.value(), 100 * c.lo(), 100 * c.hi()))
                        + (Boolean.TRUE.equals(c.differs()) ? " *" : ""));
            }
            body.add(cells);
        }
        return dev.deliberate.align.report.Html.paragraph(seeds + " seed(s), pooled over seeds × test prompts; intervals: 95% bootstrap resampling "
                + "(seed, prompt) clusters. * = the paired difference from the baseline, on the same resampled prompts, has a 95% interval "
                + "that excludes 0 (outside the noise of this many seeds and prompts); an unmarked difference may be noise.")
                + dev.deliberate.align.report.Html.table(header, body);
    }

    /** The table as JSON: per method and column the value, interval, n and mark. */
    public ObjectNode toJson() {
        var n = Jsonl.MAPPER.createObjectNode();
        n.put("seeds", seeds).put("resamples", RESAMPLES).put("interval", "95% bootstrap over (seed, prompt) clusters")
                .put("differs", "paired 95% interval of the difference from the baseline excludes 0");
        var rs = n.putArray("rows");
        for (Row r : rows) {
            var o = rs.addObject().put("label", r.label()).put("title", r.title());
            if (r.baseline() != null) o.put("baseline", r.baseline());
            var cs = o.putObject("cells");
            for (int i = 0; i < COLUMNS.size(); i++) {
                Cell c = r.cells().get(i);
                if (c == null) continue;
                var co = cs.putObject(COLUMNS.get(i)).put("value", c.value()).put("lo", c.lo()).put("hi", c.hi()).put("n", c.n());
                if (c.differs() != null) co.put("differs_from_baseline", c.differs());
            }
        }
        return n;
    }

    /** The table as fixed-width text: rates as percentages ± half the interval, reasoning tokens as a count. */
    public String render() {
        return render(true);
    }

    /** @param legend with the lines that say what each column and mark means */
    public String render(boolean legend) {
        var sb = new StringBuilder();
        int w = Math.max(12, rows.stream().mapToInt(r -> r.label().length()).max().orElse(0));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s", "method"));
        for (String c : COLUMNS) sb.append(String.format(Locale.ROOT, " %13s", c));
        sb.append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-" + w + "s", r.label()));
            for (int i = 0; i < COLUMNS.size(); i++) sb.append(String.format(Locale.ROOT, " %13s", format(r.cells().get(i), i == COLUMNS.size() - 1)));
            sb.append('\n');
        }
        if (!legend) return sb.toString();
        sb.append(String.format(Locale.ROOT, "%d seed%s; each cell: pooled over seeds × test prompts ± half its 95%% bootstrap interval (resampling\n", seeds, seeds == 1 ? "" : "s"))
                .append("(seed, prompt) clusters); * = the paired difference from the row's baseline is outside that noise (its 95% interval\n")
                .append("excludes 0); baselines: direct-sft against no-safety, every other method against direct-sft.\n")
                .append("ASR: harmful outputs (hazard content or operational help) among judged outputs on harmful prompts (lower is better);\n")
                .append("truncated: outputs cut off at the token cap before anything harmful, left out of ASR and over-refusal;\n")
                .append("over-refusal: refusals of allowed prompts (lower); o-r seen / held-out: refusals of benign look-alikes wrapped in the seen /\n")
                .append("held-out attack families (a model that refuses everything wrapped looks robust on ASR alone);\n")
                .append("style: right decision in the spec's style; general acc: general tasks answered correctly; topic named: CoTs\n")
                .append("naming the prompt's own topic (they read the prompt; a chain restating a training prompt names another); policy\n")
                .append("retr: CoTs citing a rule of the right category; reasoning tok: mean tokens inside <think>. Methods:\n");
        for (Row r : rows) sb.append("  ").append(r.label()).append(" = ").append(r.title()).append('\n');
        return sb.toString();
    }

    private static String format(Cell c, boolean tokens) {
        if (c == null) return "–";
        double half = (c.hi() - c.lo()) / 2;
        String mark = Boolean.TRUE.equals(c.differs()) ? "*" : "";
        return tokens ? String.format(Locale.ROOT, "%.0f±%.0f%s", c.value(), half, mark)
                : String.format(Locale.ROOT, "%.1f±%.1f%s", 100 * c.value(), 100 * half, mark);
    }
}
