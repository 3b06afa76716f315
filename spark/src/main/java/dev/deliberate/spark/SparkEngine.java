package dev.deliberate.spark;

import dev.deliberate.align.data.Fanout;
import dev.deliberate.align.data.WorkRecipe;
import dev.deliberate.align.eval.harness.EvalEngine;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Map;

/**
 * {@code --engine spark} for {@code generate} ({@link SparkFanout}) and {@code eval} ({@link SparkEvalEngine}): the context {@code spark-submit} configured (its {@code --master}), or, run outside it, an
 * embedded one on {@code local[N]} ({@code --master}, default all cores). Settings: {@code master},
 * {@code partitions} (tasks per job; default Spark's parallelism × 4), {@code chunk} (prompts per job, default
 * 4096), {@code threads} (prompts at once per task).
 */
public final class SparkEngine implements Fanout.Provider, EvalEngine.Provider {
    @Override
    public String name() {
        return "spark";
    }

    @Override
    public SparkFanout create(Map<String, String> settings, WorkRecipe recipe) {
        int chunk = intSetting(settings, "chunk", 4096), threads = intSetting(settings, "threads", 1), partitions = intSetting(settings, "partitions", -1);
        JavaSparkContext sc = context(settings);
        return new SparkFanout(sc, true, recipe, partitions > 0 ? partitions : sc.defaultParallelism() * 4, chunk, threads);
    }

    @Override
    public SparkEvalEngine create(Map<String, String> settings, EvalEngine.CellRecipe recipe) {
        int chunk = intSetting(settings, "chunk", 4096), threads = intSetting(settings, "threads", 1), partitions = intSetting(settings, "partitions", -1);
        JavaSparkContext sc = context(settings);
        return new SparkEvalEngine(sc, true, recipe, partitions > 0 ? partitions : sc.defaultParallelism() * 4, chunk, threads);
    }

    private static JavaSparkContext context(Map<String, String> settings) {
        SparkConf conf = new SparkConf(true).setAppName("deliberate");
        String master = settings.get("master");
        boolean submitted = conf.contains("spark.master");
        if (master != null && !master.isBlank()) conf.setMaster(master);
        else if (!submitted) conf.setMaster("local[" + Runtime.getRuntime().availableProcessors() + "]");
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        return new JavaSparkContext(conf);
    }

    private static int intSetting(Map<String, String> settings, String key, int dflt) {
        String v = settings.get(key);
        if (v == null || v.isBlank()) return dflt;
        try {
            int n = Integer.parseInt(v.strip());
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a whole number >= 1, got '" + v + "'");
        }
    }
}
