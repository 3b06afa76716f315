package dev.deliberate.align.cluster;

import dev.deliberate.align.Models;
import dev.deliberate.align.eval.bench.ColumnMapping;
import dev.deliberate.align.eval.harness.EvalBenchmark;
import dev.deliberate.align.eval.harness.EvalCase;
import dev.deliberate.align.eval.harness.EvalConfig;
import dev.deliberate.align.eval.harness.EvalEngine;
import dev.deliberate.align.eval.harness.EvalJudges;
import dev.deliberate.align.eval.harness.EvalResult;
import dev.deliberate.align.eval.harness.EvalRunner;
import dev.deliberate.align.eval.metrics.Bootstrap;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.spec.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An {@code eval} run as plain values, from which a worker rebuilds the benchmarks (the files must be reachable
 * there: a shared folder), plans the same cells ({@link EvalRunner#plan}) and builds the same per-cell work
 * ({@link EvalRunner#cellWork}). Workers open the models without the SQLite response cache.
 *
 * @param benches       the benchmarks as the driver resolved them
 * @param benchmarksDir the public sets' folder; null = the bundled ones
 * @param mapping       a user file's columns
 * @param judges        {@code --judge} values
 * @param concurrency   model calls in flight per worker process and model
 */
public record EvalRecipe(List<Bench> benches, String benchmarksDir, Mapping mapping, long seed, int limit,
                         String attacks, int samples, double temperature, int maxTokens, String specContext, String model,
                         List<String> judges, int judgeMaxTokens, String apiKeyEnv, int concurrency, GenerationRecipe.Calls calls)
        implements EvalEngine.CellRecipe {

    /** One {@code --bench} value, the name its results are filed under (null: its own) and the world folder it reads (null: built in). */
    public record Bench(String nameOrFile, String fileName, String worldDir) implements java.io.Serializable {}

    /** {@link ColumnMapping} as plain values. */
    public record Mapping(String prompt, String label, String id, String category, String answer, String defaultLabel) implements java.io.Serializable {
        public static Mapping of(ColumnMapping m) {
            return new Mapping(m.promptColumn(), m.labelColumn(), m.idColumn(), m.categoryColumn(), m.answerColumn(), m.defaultLabel().name());
        }

        ColumnMapping columns() {
            return new ColumnMapping(prompt, label, id, category, answer, dev.deliberate.align.eval.bench.BenchmarkItem.Label.valueOf(defaultLabel));
        }
    }

    public EvalRecipe {
        benches = List.copyOf(benches);
        judges = List.copyOf(judges);
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(model, "model");
    }

    /** The run's configuration, loaded as the command line loads it (the label and bootstrap do not matter to the cells). */
    public EvalConfig config() {
        ColumnMapping columns = mapping.columns();
        var loaded = new ArrayList<EvalBenchmark>();
        for (Bench b : benches)
            loaded.add(EvalBenchmark.resolve(b.nameOrFile(), b.fileName(), benchmarksDir == null ? null : Path.of(benchmarksDir),
                    b.worldDir() == null ? null : Path.of(b.worldDir()), columns, seed, limit));
        return new EvalConfig(null, loaded, attacks, samples, temperature, maxTokens, seed, 1,
                EvalConfig.SpecContext.valueOf(specContext.toUpperCase(Locale.ROOT)), Bootstrap.DEFAULT);
    }

    @Override
    public Work open() {
        Models.installDefaults();
        EvalConfig config = config();
        var cells = new HashMap<String, EvalCase>();
        for (EvalCase c : EvalRunner.plan(config)) cells.put(c.key(0), c);
        var options = ChatModels.OpenOptions.defaults().withNoCache().withApiKeyEnv(apiKeyEnv);
        if (calls != null) options = options.withTimeouts(calls.retries(), calls.requestTimeout(), calls.totalTimeout());
        options = options.withLimits(concurrency, options.maxRetries(), options.requestTimeout());
        boolean world = config.benchmarks().stream().anyMatch(b -> b instanceof EvalBenchmark.World);
        EvalJudges js = EvalJudges.open(judges, world, Spec.defaultSpec(), options, judgeMaxTokens);
        ChatModel m;
        try {
            m = ChatModels.global().open(model, options);
        } catch (RuntimeException e) {
            if (js.llmJudge() != null) js.llmJudge().close();
            throw e;
        }
        var work = EvalRunner.cellWork(config, m, js, k -> false);
        return new Work() {
            @Override
            public List<EvalResult> apply(String key) {
                EvalCase c = cells.get(key);
                if (c == null) throw new IllegalStateException("cell " + key + " is not in this worker's plan: the benchmarks differ from the driver's");
                return work.apply(c);
            }

            @Override
            public void close() {
                m.close();
                if (js.llmJudge() != null) js.llmJudge().close();
            }
        };
    }
}
