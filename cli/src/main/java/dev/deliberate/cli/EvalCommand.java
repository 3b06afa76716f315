package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.eval.bench.BenchmarkFormatException;
import dev.deliberate.align.eval.bench.ColumnMapping;
import dev.deliberate.align.eval.harness.EvalBenchmark;
import dev.deliberate.align.cluster.EvalRecipe;
import dev.deliberate.align.cluster.GenerationRecipe;
import dev.deliberate.align.eval.harness.EvalConfig;
import dev.deliberate.align.eval.harness.EvalEngine;
import dev.deliberate.align.eval.harness.EvalJudges;
import dev.deliberate.align.eval.harness.EvalMetrics;
import dev.deliberate.align.eval.harness.EvalRunner;
import dev.deliberate.align.eval.metrics.Bootstrap;
import dev.deliberate.align.eval.analysis.HiddenStateEmbedder;
import dev.deliberate.align.llm.BatchingChatModel;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.LocalChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.spec.Spec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a model: every benchmark item under every attack family, n samples each, judged by the "
                + "benchmark's judge. Writes results.jsonl (one line per item, attack and sample), metrics.json (ASR per "
                + "family and seen/held-out, over-refusal, StrongREJECT goodness@0.1, XSTest classes, accuracy, style "
                + "adherence, token means, policy retrieval, reflection statistics, all with bootstrap 95%% intervals), "
                + "config.json and summary.json into --out, and prints the table. Rerunning into the same folder resumes.")
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Option(names = "--model", paramLabel = "REF", description = "The model under evaluation: a checkpoint directory, http(s)://host:port/v1#model, openai:MODEL or world:teacher[?error=…].")
    String model;

    @Option(names = "--label", paramLabel = "NAME", description = "The method's name in tables and the report (default: the folder name).")
    String label;

    @Option(names = "--bench", split = ",", paramLabel = "NAME|FILE",
            description = "Benchmarks, repeatable or comma-separated: specworld-test, specworld-train (the train split: the memorisation gap), xstest, strongreject, advbench, gsm8k, or a CSV/JSONL file (see --prompt-column).")
    List<String> benches;

    @Option(names = "--attacks", defaultValue = "none", paramLabel = "LIST",
            description = "none, seen, held-out, all, family names, or template files (JSON/YAML list of {name, template, held_out} with a {prompt} placeholder), comma-separated (default: ${DEFAULT-VALUE}); seen:K, held-out:K or all:K: K families of that group per item, drawn per item and seed (the same for every model at that seed) instead of every family. Attacks apply to the prompts a good model declines (and SpecWorld's benign look-alikes); benign and general prompts run un-attacked with 'none'.")
    String attacks;

    @Option(names = "--judge", split = ",", paramLabel = "REF",
            description = "world:judge (SpecWorld's judge; the default) and/or one model reference used as the XSTest 3-class and StrongREJECT rubric judge, and for benchmark files (rubric on unsafe items, 3-class on the others). Without an LLM judge XSTest, AdvBench and files use string-match baselines, labelled so.")
    List<String> judges = new ArrayList<>();

    @Option(names = "--judge-max-tokens", defaultValue = "0", paramLabel = "N",
            description = "Reply budget of the LLM judges; 0 = each judge's default (spec judge 512, XSTest 32, StrongREJECT 1024). Raise it for reasoning judges.")
    int judgeMaxTokens;

    @Option(names = "--panel", split = ",", paramLabel = "REF",
            description = "After the eval, a judge panel over the SpecWorld responses: each of these judges grades every answer; metrics under each, Cohen's kappa per pair, parse failures (see 'deliberate judges').")
    List<String> panel = new ArrayList<>();

    @Option(names = "--samples", defaultValue = "1", paramLabel = "N", description = "Completions per item and attack (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "Sampling temperature, 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--max-tokens", defaultValue = "512", paramLabel = "N", description = "Generation cap, reasoning included (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "At most N items per benchmark, spread evenly over it; 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--out", paramLabel = "DIR", description = "The run folder (created if needed; a rerun resumes it).")
    Path out;

    @Option(names = "--spec-in-context", defaultValue = "none", paramLabel = "none|excerpt|full",
            description = "What SpecWorld prompts are sent with: none (a deployed model), excerpt (spec(category) and the final instructions, the teacher's setting) or full (the whole spec) (default: ${DEFAULT-VALUE}).")
    String specInContext;

    @Option(names = "--world", paramLabel = "DIR", description = "Use DIR/test.jsonl from 'deliberate world generate' for specworld-test (default: the world a local checkpoint was trained on, found from its run folders; else the built-in world of --seed).")
    Path worldDir;

    @Option(names = "--benchmarks-dir", paramLabel = "DIR", description = "A folder laid out like the bundled public benchmarks (xstest/, strongreject/, advbench/, gsm8k/); default: the copies that ship with deliberate.")
    Path benchmarksDir;

    @Option(names = "--prompt-column", defaultValue = "prompt", paramLabel = "NAME", description = "For a benchmark FILE: the prompt column (default: ${DEFAULT-VALUE}).")
    String promptColumn;

    @Option(names = "--label-column", paramLabel = "NAME", description = "For a benchmark FILE: safe/unsafe labels (unsafe items count toward ASR, safe ones toward over-refusal).")
    String labelColumn;

    @Option(names = "--id-column", paramLabel = "NAME", description = "For a benchmark FILE: unique ids (default: record numbers).")
    String idColumn;

    @Option(names = "--category-column", paramLabel = "NAME", description = "For a benchmark FILE: a category; ASR and over-refusal are reported per category.")
    String categoryColumn;

    @Option(names = "--label-value", paramLabel = "safe|unsafe",
            description = "For a benchmark FILE without --label-column: the label of every item (e.g. unsafe for a file of harmful prompts, so ASR is measured).")
    String labelValue;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "Items in flight at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seeds attack frames, sampling and the built-in world (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--bootstrap", defaultValue = "1000", paramLabel = "N", description = "Bootstrap resamples per interval (default: ${DEFAULT-VALUE}).")
    int resamples;

    @picocli.CommandLine.Mixin
    UpstreamKeyOption upstreamKey;

    @picocli.CommandLine.Mixin
    RemoteCallOptions remote = new RemoteCallOptions();

    @picocli.CommandLine.Mixin
    ResponseCacheOptions cache;

    @Option(names = "--engine", paramLabel = "NAME", defaultValue = "local", description = "Where cells are worked on: local (--threads threads here) or spark (a Spark job: under spark-submit its master, else an embedded --master); results are the same (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master for --engine spark outside spark-submit (default: local[N], N = this machine's cores).")
    String master;

    @Option(names = "--partitions", paramLabel = "N", description = "Spark tasks per job for --engine spark (default: 4 x the cluster's parallelism); --threads is then cells at once per task.")
    Integer partitions;

    @Option(names = "--no-embedding", description = "Skip the embedding map of prompt types (written for local checkpoints).")
    boolean noEmbedding;

    @picocli.CommandLine.Mixin
    RunFileOption runFile;

    @Override
    public Integer call() {
        runFile.apply();
        RunFileOption.require(model, "--model", "the model under evaluation");
        RunFileOption.require(benches, "--bench", "the benchmarks to run");
        RunFileOption.require(out, "--out", "the run folder");
        var err = cmd.commandLine().getErr();
        long t0 = System.nanoTime();
        EvalConfig config = config();
        var refs = new ArrayList<String>(judges);
        refs.add(model);
        try {
            ChatModels.checkKeyScope(upstreamKey.env, refs);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        ChatModels.OpenOptions options = remote.apply(ChatModels.OpenOptions.defaults().withApiKeyEnv(upstreamKey.env));
        options = cache.apply(options);
        boolean world = config.benchmarks().stream().anyMatch(b -> b instanceof EvalBenchmark.World);
        if (!world && judges.contains(dev.deliberate.align.judge.WorldJudge.ID))
            throw new UserError("--judge world:judge grades only specworld-test, which this run does not include; give an LLM judge reference for the other benchmarks");
        if (judgeMaxTokens < 0) throw new UserError("--judge-max-tokens must be >= 0, got " + judgeMaxTokens);
        EvalJudges js = EvalJudgeRefs.open(judges, world, Spec.defaultSpec(), options, judgeMaxTokens);
        ObjectNode snapshot = snapshot(config, js);
        checkResumable(snapshot);
        ChatModel m;
        try {
            m = ChatModels.global().open(model, options);
        } catch (IllegalArgumentException e) {
            throw new UserError("--model: " + e.getMessage());
        }
        AtomicFiles.writeString(out.resolve("config.json"), EvalRunner.pretty(snapshot));
        EvalMetrics metrics;
        int[] counts = new int[2];
        // a local checkpoint also gives the embedding map of prompt types (mean-pooled hidden states of its middle layer)
        HiddenStateEmbedder embedder = m instanceof LocalChatModel local && !noEmbedding ? HiddenStateEmbedder.middle(local.checkpoint()) : null;
        // --threads N on a local checkpoint: the N concurrent calls are decoded together, one batch in one session
        ChatModel asked = m instanceof LocalChatModel && threads > 1 ? new BatchingChatModel(m, Math.min(threads, LocalChatModel.MAX_BATCH_SLOTS)) : m;
        EvalEngine cluster = clusterEngine(config);
        try (asked; var bar = new LazyBar(err)) {
            metrics = EvalRunner.run(config, asked, js, out, embedder, new EvalRunner.Listener() {
                public void planned(int cells, int already) {
                    counts[0] = cells;
                    counts[1] = already;
                    bar.start(cells, already);
                }

                public void cellDone() {
                    bar.step();
                }
            }, cluster);
        } catch (IllegalArgumentException | BenchmarkFormatException e) {
            throw new UserError(e.getMessage());
        } finally {
            if (js.llmJudge() != null) js.llmJudge().close();
            if (cluster instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        ObjectNode summary = Jsonl.MAPPER.createObjectNode();
        summary.put("command", "eval").put("label", metrics.label()).put("model", metrics.model())
                .put("cells", counts[0]).put("cells_resumed", counts[1]).put("seconds", Math.round(seconds * 10) / 10.0);
        summary.set("metrics", Jsonl.MAPPER.valueToTree(readTree(metrics.toJson()).get("benchmarks")));
        AtomicFiles.writeString(out.resolve("summary.json"), EvalRunner.pretty(summary));
        var o = cmd.commandLine().getOut();
        o.print(metrics.table());
        o.printf(Locale.ROOT, "%d cells (%d resumed) in %.1f s; wrote %s and %s%n", counts[0], counts[1], seconds,
                out.resolve(EvalRunner.RESULTS), out.resolve(EvalRunner.METRICS));
        o.flush();
        if (!panel.isEmpty()) {
            try {
                JudgesCommand.panel(out, panel, options, threads, config.bootstrap(), o);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted during the judge panel");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return 0;
    }

    /** How {@link #config} resolved the benchmarks, for a cluster engine's workers to resolve them the same way. */
    private final List<EvalRecipe.Bench> resolved = new ArrayList<>();
    private ColumnMapping resolvedMapping;

    /** The cluster engine {@code --engine} names (null for local), given the run as a recipe its workers rebuild. */
    private EvalEngine clusterEngine(EvalConfig config) {
        if (engine == null || engine.equals("local")) return null;
        var provider = EvalEngine.provider(engine).orElseThrow(() -> new UserError("--engine " + engine + ": no such engine on the class path"
                + (engine.equals("spark") ? "; run the command through spark/bin/deliberate-spark (embedded Spark) or spark-submit (see the README)" : " (local, spark)")));
        var recipe = new EvalRecipe(List.copyOf(resolved), benchmarksDir == null ? null : benchmarksDir.toAbsolutePath().toString(),
                EvalRecipe.Mapping.of(resolvedMapping), seed, limit, attacks, samples, temperature, maxTokens, specInContext.strip(), model, judges, judgeMaxTokens, upstreamKey.env, threads,
                GenerationRecipe.Calls.of(remote.apply(ChatModels.OpenOptions.defaults())));
        var settings = new java.util.HashMap<String, String>();
        if (master != null) settings.put("master", master);
        if (partitions != null) settings.put("partitions", String.valueOf(partitions));
        settings.put("threads", String.valueOf(threads));
        try {
            return provider.create(settings, recipe);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    EvalConfig config() {
        EvalConfig.SpecContext ctx;
        try {
            ctx = EvalConfig.SpecContext.valueOf(specInContext.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--spec-in-context must be none, excerpt or full, got '" + specInContext + "'");
        }
        var mapping = ColumnMapping.prompt(promptColumn);
        if (labelColumn != null) mapping = mapping.withLabel(labelColumn);
        if (idColumn != null) mapping = mapping.withId(idColumn);
        if (categoryColumn != null) mapping = mapping.withCategory(categoryColumn);
        if (labelValue != null) {
            if (labelColumn != null) throw new UserError("--label-value and --label-column exclude each other: a file has labels or all its items share one");
            var l = dev.deliberate.align.eval.bench.BenchmarkItem.Label.parse(labelValue);
            if (l == null || l == dev.deliberate.align.eval.bench.BenchmarkItem.Label.UNLABELLED)
                throw new UserError("--label-value must be safe or unsafe, got '" + labelValue + "'");
            mapping = mapping.withDefaultLabel(l);
        }
        var loaded = new ArrayList<EvalBenchmark>();
        resolved.clear();
        resolvedMapping = mapping;
        var fileNames = fileNames(benches);
        Path world = worldDir;
        try {
            for (String b : benches) {
                if (b.isBlank()) continue;
                if (world == null && (b.strip().equalsIgnoreCase(EvalBenchmark.SPECWORLD_TEST) || b.strip().equalsIgnoreCase(EvalBenchmark.SPECWORLD_TRAIN)))
                    world = trainedWorld();
                loaded.add(EvalBenchmark.resolve(b, fileNames.get(b), benchmarksDir, world, mapping, seed, limit));
                String file = Files.isRegularFile(Path.of(b.strip())) ? Path.of(b.strip()).toAbsolutePath().toString() : b;
                resolved.add(new EvalRecipe.Bench(file, fileNames.get(b), world == null ? null : world.toAbsolutePath().toString()));
            }
            String name = label != null ? label : out.toAbsolutePath().normalize().getFileName().toString();
            return new EvalConfig(name, loaded, attacks, samples, temperature, maxTokens, seed, threads, ctx,
                    new Bootstrap(resamples, Bootstrap.DEFAULT.seed(), 0.95));
        } catch (IllegalArgumentException | BenchmarkFormatException | UncheckedIOException e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * The names benchmark files are filed under: the file name, or {@code parent-name} when two files share a name
     * (so {@code a/test.csv,b/test.csv} never mix their results).
     */
    static java.util.Map<String, String> fileNames(List<String> benches) {
        var files = benches.stream().map(String::strip).filter(b -> !b.isEmpty() && !EvalBenchmark.NAMES.contains(b.toLowerCase(Locale.ROOT))).distinct().toList();
        var byName = new java.util.HashMap<String, List<String>>();
        for (String f : files) byName.computeIfAbsent(Path.of(f).getFileName().toString(), k -> new ArrayList<>()).add(f);
        var out = new java.util.HashMap<String, String>();
        var taken = new java.util.HashSet<String>(EvalBenchmark.NAMES);
        for (String f : files) {
            Path p = Path.of(f).toAbsolutePath().normalize();
            String name = p.getFileName().toString();
            if (byName.get(Path.of(f).getFileName().toString()).size() > 1 && p.getParent() != null && p.getParent().getFileName() != null)
                name = p.getParent().getFileName() + "-" + name;
            if (!taken.add(name)) throw new UserError("--bench: two benchmark files would both be filed as '" + name + "' (" + byName.get(Path.of(f).getFileName().toString()) + "); rename one");
            out.put(f, name);
        }
        return out;
    }

    /**
     * For {@code specworld-test} without {@code --world}: the world a local checkpoint was trained on. A checkpoint
     * whose world cannot be found is refused (testing it on another world's prompts would measure nothing), unless
     * {@code --seed} names the built-in world explicitly.
     */
    private Path trainedWorld() {
        Path ckpt = Path.of(model);
        if (!Files.isRegularFile(ckpt.resolve("config.json"))) return null; // not a local checkpoint
        var found = TrainedWorld.of(ckpt);
        if (found.isPresent()) {
            cmd.commandLine().getErr().println("specworld-test: the world " + model + " was trained on (" + found.get().evidence() + ")");
            if (found.get().worldDir() != null) return found.get().worldDir();
            if (!cmd.commandLine().getParseResult().hasMatchedOption("--seed")) seed = found.get().seed();
            return null;
        }
        if (cmd.commandLine().getParseResult().hasMatchedOption("--seed")) return null;
        throw new UserError("cannot tell which SpecWorld " + model + " was trained on (no demo.json or train/generate config.json leads to one); "
                + "pass --world DIR (the 'world generate' folder, e.g. runs/demo/data/world) or --seed S for the built-in world of seed S");
    }

    /** The library's snapshot with the flags as the user spelled them and the version. */
    private ObjectNode snapshot(EvalConfig c, EvalJudges js) {
        ObjectNode s = EvalRunner.snapshot(c, model, js);
        s.put("version", Version.number());
        var b = s.putArray("bench");
        benches.forEach(b::add);
        var j = s.putArray("judge");
        (judges.isEmpty() ? List.of("world:judge") : judges).forEach(j::add);
        s.put("limit", limit);
        if (worldDir != null) s.put("world", worldDir.toString());
        if (judgeMaxTokens > 0) s.put("judge_max_tokens", judgeMaxTokens);
        var ids = s.putArray("benchmark_sources");
        for (EvalBenchmark bench : c.benchmarks()) {
            var n = ids.addObject().put("name", bench.name());
            if (bench instanceof EvalBenchmark.Tabular t) n.put("source", t.source()).put("sha256", t.sha256());
        }
        s.put("benchmarks_dir", benchmarksDir != null ? benchmarksDir.toString() : "bundled");
        return s;
    }

    /** The flags a folder's results depend on; a rerun must match them to resume. */
    private static final List<String> IDENTITY = List.of("model", "samples", "temperature", "max_tokens", "seed", "spec_in_context", "judge");

    private void checkResumable(ObjectNode now) {
        Path f = out.resolve("config.json");
        if (!Files.exists(f) || !EvalRunner.hasResults(out)) return;
        JsonNode before;
        try {
            before = Jsonl.MAPPER.readTree(Files.readString(f));
        } catch (IOException e) {
            throw new UserError(f + " is not valid JSON (" + e.getMessage() + "); remove it or use another --out");
        }
        for (String k : IDENTITY) {
            if (!before.path(k).toString().equals(now.path(k).toString()))
                throw new UserError(out + " holds results of a run with " + k + "=" + before.path(k) + ", not " + now.path(k)
                        + "; rerun with the same flags to resume, or use another --out");
        }
        now.put("started", before.path("started").asText(now.path("started").asText()));
    }

    private static JsonNode readTree(String json) {
        try {
            return Jsonl.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The progress bar, started once the harness knows how many cells there are. */
    private static final class LazyBar implements AutoCloseable {
        private final java.io.PrintWriter err;
        private Progress bar;

        LazyBar(java.io.PrintWriter err) {
            this.err = err;
        }

        synchronized void start(int cells, int already) {
            bar = Progress.start(err, "eval", cells, "cells");
            bar.stepTo(already);
        }

        synchronized void step() {
            if (bar != null) bar.step();
        }

        @Override
        public synchronized void close() {
            if (bar != null) bar.close();
        }
    }
}
