package dev.deliberate.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.eval.harness.EvalCase;
import dev.deliberate.align.eval.harness.EvalEngine;
import dev.deliberate.align.eval.harness.EvalResult;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * An evaluation's cells as Spark jobs, as {@link SparkFanout} does for generation: cell keys go out in chunks of
 * {@code partitions} tasks, each executor rebuilds the run from the {@link EvalEngine.CellRecipe} once per JVM, and
 * the driver commits each chunk's results in cell order into {@code results.jsonl}, skipping keys already there.
 */
public final class SparkEvalEngine implements EvalEngine, AutoCloseable {
    private static final Map<CellRecipe, CellRecipe.Work> OPENED = new ConcurrentHashMap<>();

    private final JavaSparkContext spark;
    private final boolean ownsContext;
    private final CellRecipe recipe;
    private final int partitions, chunk, threads;

    public SparkEvalEngine(JavaSparkContext spark, boolean ownsContext, CellRecipe recipe, int partitions, int chunk, int threads) {
        if (partitions < 1 || chunk < 1 || threads < 1) throw new IllegalArgumentException("partitions, chunk and threads must be >= 1");
        this.spark = spark;
        this.ownsContext = ownsContext;
        this.recipe = recipe;
        this.partitions = partitions;
        this.chunk = chunk;
        this.threads = threads;
    }

    @Override
    public void run(List<EvalCase> cells, Function<EvalCase, List<EvalResult>> work, BiConsumer<EvalCase, List<EvalResult>> commit) {
        for (int from = 0; from < cells.size(); from += chunk) {
            List<EvalCase> part = cells.subList(from, Math.min(cells.size(), from + chunk));
            List<String> keys = part.stream().map(c -> c.key(0)).toList();
            List<String> results = spark.parallelize(keys, Math.min(partitions, keys.size())).mapPartitions(new Task(recipe, threads)).collect();
            if (results.size() != part.size())
                throw new IllegalStateException("Spark returned " + results.size() + " results for " + part.size() + " cells");
            for (int i = 0; i < part.size(); i++) commit.accept(part.get(i), decode(results.get(i)));
        }
    }

    /** One partition: cell keys in, each cell's results as one JSON array out, in the same order. */
    record Task(CellRecipe recipe, int threads) implements FlatMapFunction<Iterator<String>, String> {
        @Override
        public Iterator<String> call(Iterator<String> in) throws Exception {
            var keys = new ArrayList<String>();
            in.forEachRemaining(keys::add);
            CellRecipe.Work work = OPENED.computeIfAbsent(recipe, CellRecipe::open);
            var out = new ArrayList<String>(keys.size());
            try (var pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, keys.size())))) {
                var futures = new ArrayList<Future<String>>();
                for (String k : keys) futures.add(pool.submit(() -> Jsonl.line(Jsonl.MAPPER.valueToTree(work.apply(k)))));
                for (var f : futures) {
                    try {
                        out.add(f.get());
                    } catch (ExecutionException e) {
                        futures.forEach(x -> x.cancel(true));
                        if (e.getCause() instanceof Exception ex) throw ex;
                        throw e;
                    }
                }
            }
            return out.iterator();
        }
    }

    static List<EvalResult> decode(String line) {
        try {
            JsonNode arr = Jsonl.MAPPER.readTree(line);
            var out = new ArrayList<EvalResult>(arr.size());
            for (JsonNode n : arr) out.add(Jsonl.MAPPER.treeToValue(n, EvalResult.class));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a task's results: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (var it = OPENED.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals(recipe)) {
                it.remove();
                e.getValue().close();
            }
        }
        if (ownsContext) spark.stop();
    }
}
