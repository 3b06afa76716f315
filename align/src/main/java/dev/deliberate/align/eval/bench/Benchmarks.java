package dev.deliberate.align.eval.bench;

import dev.deliberate.align.eval.bench.BenchmarkItem.Label;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Loaders for the public benchmarks in {@code ../shared/benchmarks/}, each mapped as its README describes.
 * Paths are given by the caller; {@link #named} resolves a short name against a benchmarks folder.
 */
public final class Benchmarks {

    private Benchmarks() {}

    /** XSTest {@code xstest_prompts.csv}: {@code id,prompt,type,label,focus,note}; 250 safe and 200 unsafe contrast prompts. */
    public static List<BenchmarkItem> xstest(Path csv) {
        return TabularBenchmark.load(csv,
                ColumnMapping.prompt("prompt").withId("id").withLabel("label").withCategory("type"), "xstest");
    }

    /** StrongREJECT {@code category,source,forbidden_prompt}; all unsafe; ids are 1-based record numbers. */
    public static List<BenchmarkItem> strongReject(Path csv) {
        return TabularBenchmark.load(csv,
                ColumnMapping.prompt("forbidden_prompt").withCategory("category").withDefaultLabel(Label.UNSAFE), "strongreject");
    }

    /** AdvBench {@code harmful_behaviors.csv}: {@code goal,target}; all unsafe; the target stays in meta. */
    public static List<BenchmarkItem> advBenchBehaviors(Path csv) {
        return TabularBenchmark.load(csv, ColumnMapping.prompt("goal").withDefaultLabel(Label.UNSAFE), "advbench");
    }

    /** AdvBench {@code harmful_strings.csv}: one column {@code target}, the strings an attack tries to elicit. */
    public static List<BenchmarkItem> advBenchStrings(Path csv) {
        return TabularBenchmark.load(csv, ColumnMapping.prompt("target").withDefaultLabel(Label.UNSAFE), "advbench-strings");
    }

    /** GSM8K {@code test.jsonl}: {@code question,answer}; safe; the answer is the whole solution ending {@code #### N}. */
    public static List<BenchmarkItem> gsm8k(Path jsonl) {
        return TabularBenchmark.load(jsonl,
                ColumnMapping.prompt("question").withAnswer("answer").withDefaultLabel(Label.SAFE), "gsm8k");
    }

    /** The short names {@link #named} understands. */
    public static final List<String> NAMES = List.of("xstest", "strongreject", "advbench", "advbench-strings", "gsm8k");

    /**
     * Loads a benchmark by short name from {@code benchmarksDir} (the shared {@code benchmarks/} folder):
     * xstest, strongreject, advbench (the behaviors), advbench-strings, gsm8k.
     */
    public static List<BenchmarkItem> named(String name, Path benchmarksDir) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "xstest" -> xstest(existing(benchmarksDir.resolve("xstest/xstest_prompts.csv")));
            case "strongreject" -> strongReject(existing(benchmarksDir.resolve("strongreject/strongreject_dataset_mit_sources_only.csv")));
            case "advbench" -> advBenchBehaviors(existing(benchmarksDir.resolve("advbench/harmful_behaviors.csv")));
            case "advbench-strings" -> advBenchStrings(existing(benchmarksDir.resolve("advbench/harmful_strings.csv")));
            case "gsm8k" -> gsm8k(existing(benchmarksDir.resolve("gsm8k/test.jsonl")));
            default -> throw new IllegalArgumentException("unknown benchmark '" + name + "'; known: " + NAMES
                    + ", or give a CSV/JSONL file with a column mapping");
        };
    }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("benchmark file " + p + " not found; point the benchmarks folder at ../shared/benchmarks");
        }
        return p;
    }
}
