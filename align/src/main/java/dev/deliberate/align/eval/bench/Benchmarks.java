package dev.deliberate.align.eval.bench;

import dev.deliberate.align.eval.bench.BenchmarkItem.Label;
import dev.deliberate.engine.io.BundledFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Loaders for the public benchmarks, each mapped as its README describes. They ship with the product
 * ({@link #bundled}: the data files with their upstream LICENSE and SOURCE.txt); {@link #named} resolves a short
 * name against that folder or another one laid out the same way.
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

    /** Every file of the bundled benchmark data, relative to its folder. */
    static final List<String> BUNDLED_FILES = List.of("README.md",
            "xstest/xstest_prompts.csv", "xstest/judge_prompt_gpt4_3class.txt", "xstest/LICENSE", "xstest/SOURCE.txt",
            "strongreject/strongreject_dataset_mit_sources_only.csv", "strongreject/judge_prompt_rubric_system.txt",
            "strongreject/judge_prompt_rubric_user.txt", "strongreject/jailbreaks.md", "strongreject/LICENSE", "strongreject/SOURCE.txt",
            "advbench/harmful_behaviors.csv", "advbench/harmful_strings.csv", "advbench/test_prefixes_experiments_evaluate.txt",
            "advbench/test_prefixes_experiments_evaluate_individual.txt", "advbench/LICENSE", "advbench/SOURCE.txt",
            "gsm8k/test.jsonl", "gsm8k/LICENSE", "gsm8k/SOURCE.txt");

    /** The benchmarks that ship with the product, as a folder on disk (unpacked once from the jar into the user's cache). */
    public static Path bundled() {
        return BundledFiles.folder(Benchmarks.class, "/dev/deliberate/align/eval/bench/data", "benchmarks", BUNDLED_FILES);
    }

    /** The short names {@link #named} understands. */
    public static final List<String> NAMES = List.of("xstest", "strongreject", "advbench", "advbench-strings", "gsm8k");

    /**
     * Loads a benchmark by short name from {@code benchmarksDir} (the {@link #bundled} folder, or one laid out like it):
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
            throw new IllegalArgumentException("benchmark file " + p + " not found; --benchmarks-dir must hold xstest/, strongreject/, advbench/ and gsm8k/ as the bundled data does");
        }
        return p;
    }
}
