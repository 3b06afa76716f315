package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.demo.ComparisonTable;
import dev.deliberate.align.demo.DemoPreset;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job: SpecWorld data, a tokenizer and a small student trained from scratch on general tasks, then five",
                "branches — (a) no safety training, (b) direct-refusal SFT, (c) (b) + answer-only DPO, (d) Deliberative Alignment",
                "(CoT SFT + judge-reward RL), (e) SaRO (reasoning warmup + SRPO) — evaluated on held-out SpecWorld prompts under no",
                "attack, seen and held-out attack families. Prints the comparison table and writes DIR/report.html.",
                "Every stage is a list of deliberate commands (--print-commands shows them; DIR/commands.sh keeps them), each with",
                "its own run folder under DIR; rerunning resumes at the first unfinished one."})
final class DemoCommand implements Callable<Integer> {
    static final String MANIFEST = "demo.json", REPORT = "report.html", COMMANDS = "commands.sh";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Option(names = "--preset", defaultValue = "small", description = "tiny (one seed, about a minute and a half on 2 cores; CI's smoke run) or small (the default: two seeds, about 15–18 minutes, under 20).")
    String preset;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/demo", description = "Folder of the stages' run folders and the report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for SpecWorld, data, initialisation and sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--seeds", paramLabel = "N", description = {"Run the whole comparison for seeds S … S+N-1 (the first in DIR, the others in",
            "DIR/seeds/seed-S/) and pool them in the table, with intervals (default: the preset's, small 2, tiny 1)."})
    Integer seeds;

    @Option(names = "--print-commands", description = "Print the deliberate commands the demo runs, in order, and exit (nothing is run or written).")
    boolean printCommands;

    @Override
    public Integer call() throws IOException {
        DemoPreset p;
        try {
            p = DemoPreset.named(preset);
        } catch (IllegalArgumentException e) {
            throw new UserError("--preset: " + e.getMessage());
        }
        int n = seeds == null ? p.seeds() : seeds;
        if (n < 1) throw new UserError("--seeds must be >= 1, got " + n);
        var recipe = DemoRecipe.of(p, seed, n, out);
        PrintWriter w = cmd.commandLine().getOut(), err = cmd.commandLine().getErr();
        if (printCommands) {
            w.print(recipe.script());
            w.flush();
            return 0;
        }
        var folders = recipe.seedFolders();
        for (int i = 0; i < folders.size(); i++) checkManifest(p, folders.get(i), seed + i);
        AtomicFiles.writeString(out.resolve(COMMANDS), "#!/bin/sh\nset -e\n" + recipe.script());
        w.printf(Locale.ROOT, "deliberate demo: preset %s, seed%s %s, into %s (its commands: %s)%n", p.name(), n == 1 ? "" : "s",
                n == 1 ? "" + seed : seed + "–" + (seed + n - 1), out, out.resolve(COMMANDS));
        w.flush();

        long t0 = System.nanoTime();
        var stages = recipe.stages();
        double totalWeight = stages.stream().mapToDouble(DemoRecipe.Stage::weight).sum(), doneWeight = 0, spent = 0;
        var times = Jsonl.MAPPER.createArrayNode();
        for (int i = 0; i < stages.size(); i++) {
            var s = stages.get(i);
            boolean skip = s.finished();
            double eta = doneWeight > 0 && spent > 0 ? spent / doneWeight * (totalWeight - doneWeight) : Double.NaN;
            w.printf(Locale.ROOT, "[%d/%d] %s%s%s%n", i + 1, stages.size(), s.title(), skip ? " — done before, skipped" : " …",
                    skip || Double.isNaN(eta) ? "" : " (ETA of the rest: " + duration(eta) + ")");
            w.flush();
            long st = System.nanoTime();
            if (!skip) for (var step : s.steps()) run(step, w, err);
            double secs = skip ? 0 : (System.nanoTime() - st) / 1e9;
            if (skip) totalWeight -= s.weight();
            else {
                spent += secs;
                doneWeight += s.weight();
                w.printf(Locale.ROOT, "      done in %s%n", duration(secs));
            }
            times.addObject().put("stage", s.title()).put("seconds", Math.round(secs * 10) / 10.0).put("skipped", skip);
        }
        double total = (System.nanoTime() - t0) / 1e9;
        writeTimes(times, total);

        var table = ComparisonTable.ofDemo(out); // as the report pools it: every seed folder under out
        w.println();
        w.print(table.render());
        var train = ComparisonTable.ofDemo(out, ComparisonTable.TRAIN_SPLIT);
        if (!train.rows().isEmpty()) {
            w.println();
            w.println(ComparisonTable.TRAIN_SPLIT_NOTE);
            w.print(train.render(false));
        }
        String decoding = ComparisonTable.decodingNote(out);
        if (decoding != null) w.println(decoding);
        w.println();
        w.println("stage times:");
        for (JsonNode t : times)
            w.printf(Locale.ROOT, "  %-75s %s%n", t.get("stage").asText(), t.get("skipped").asBoolean() ? "done before" : duration(t.get("seconds").asDouble()));
        w.printf(Locale.ROOT, "total %s. Report: %s%n", duration(total), out.resolve(REPORT));
        w.flush();
        return 0;
    }

    /** One step, in-process, as {@code bin/deliberate ARGS} would run it: its output goes to stderr, beside the bars. */
    private static void run(DemoRecipe.Step step, PrintWriter w, PrintWriter err) {
        if (step.finished()) return;
        w.println("  $ " + step.shell());
        w.flush();
        int code = Main.commandLine(err, err).execute(step.args().toArray(String[]::new));
        err.flush();
        if (code != 0) throw new UserError("the demo stopped: '" + step.shell() + "' failed (exit " + code + "); its message is above. "
                + "Rerun the demo to resume from this command.");
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : String.format(Locale.ROOT, "%.1fs", seconds);
    }

    /** {@code demo.json}: preset, seed and sizes; a folder holding another demo is refused rather than mixed into. */
    private static void checkManifest(DemoPreset p, Path out, long seed) throws IOException {
        Path f = out.resolve(MANIFEST);
        Files.createDirectories(out);
        if (Files.isRegularFile(f)) {
            JsonNode have = Jsonl.MAPPER.readTree(f.toFile());
            if (!have.path("preset").asText().equals(p.name()) || have.path("seed").asLong() != seed)
                throw new UserError(out + " holds a demo with preset " + have.path("preset").asText() + " and seed " + have.path("seed").asLong()
                        + "; rerun with those to resume it, or choose another --out");
            if (!have.path("sizes").equals(Jsonl.MAPPER.valueToTree(p)) || !have.path("recipe").asText().equals(RECIPE_VERSION))
                throw new UserError(out + " holds a demo made with other sizes or another recipe for preset " + p.name()
                        + " (an older version of it); choose another --out, or delete the folder to start over");
            return;
        }
        ObjectNode m = Jsonl.MAPPER.createObjectNode().put("preset", p.name()).put("seed", seed).put("recipe", RECIPE_VERSION)
                .put("started", Instant.now().toString());
        m.set("sizes", Jsonl.MAPPER.valueToTree(p));
        TrainRun.writeJson(f, m);
    }

    /** Bumped when the recipe's commands change what a folder holds, so an older demo folder is not resumed into. */
    static final String RECIPE_VERSION = "commands-2";

    private void writeTimes(com.fasterxml.jackson.databind.node.ArrayNode times, double total) throws IOException {
        ObjectNode n = (ObjectNode) Jsonl.MAPPER.readTree(out.resolve(MANIFEST).toFile());
        n.set("last_run_stages", times);
        n.put("last_run_seconds", Math.round(total * 10) / 10.0);
        TrainRun.writeJson(out.resolve(MANIFEST), n);
    }
}
