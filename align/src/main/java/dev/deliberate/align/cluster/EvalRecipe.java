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
 * @param benches       {@code --bench} values: names or files
 * @param columns       a user file's prompt, label, id and category columns (nulls where not given)
 * @param judges        {@code --judge} values
 * @param concurrency   model calls in flight per worker process and model
 */
public record EvalRecipe(List<String> benches, String benchmarksDir, String worldDir, List<String> columns, long seed, int limit,
                         String attacks, int samples, double temperature, int maxTokens, String specContext, String model,
                         List<String> judges, String apiKeyEnv, int concurrency) implements EvalEngine.CellRecipe {

    public EvalRecipe {
        benches = List.copyOf(benches);
        judges = List.copyOf(judges);
        columns = java.util.Collections.unmodifiableList(new ArrayList<>(columns));
        if (columns.size() != 4) throw new IllegalArgumentException("columns: prompt, label, id, category");
        Objects.requireNonNull(model, "model");
    }

    /** The run's configuration, loaded as the command line loads it (the label and bootstrap do not matter to the cells). */
    public EvalConfig config() {
        var mapping = ColumnMapping.prompt(columns.get(0));
        if (columns.get(1) != null) mapping = mapping.withLabel(columns.get(1));
        if (columns.get(2) != null) mapping = mapping.withId(columns.get(2));
        if (columns.get(3) != null) mapping = mapping.withCategory(columns.get(3));
        var loaded = new ArrayList<EvalBenchmark>();
        for (String b : benches)
            if (!b.isBlank()) loaded.add(EvalBenchmark.resolve(b, benchmarksDir == null ? null : Path.of(benchmarksDir),
                    worldDir == null ? null : Path.of(worldDir), mapping, seed, limit));
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
        options = options.withLimits(concurrency, options.maxRetries(), options.requestTimeout());
        boolean world = config.benchmarks().stream().anyMatch(b -> b instanceof EvalBenchmark.World);
        EvalJudges js = EvalJudges.open(judges, world, Spec.defaultSpec(), options, 0);
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
