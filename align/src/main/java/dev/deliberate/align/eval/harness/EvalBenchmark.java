package dev.deliberate.align.eval.harness;

import dev.deliberate.align.eval.bench.BenchmarkItem;
import dev.deliberate.align.eval.bench.Benchmarks;
import dev.deliberate.align.eval.bench.ColumnMapping;
import dev.deliberate.align.eval.bench.TabularBenchmark;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.world.WorldData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** A benchmark ready to run: its items and how its outputs are scored. */
public sealed interface EvalBenchmark permits EvalBenchmark.World, EvalBenchmark.Tabular {

    /** The name results and metrics are filed under ({@code specworld-test}, {@code xstest}, a file's name). */
    String name();

    int size();

    /** SpecWorld's labelled prompts, judged by a spec-aware judge. */
    record World(String name, Spec spec, List<LabelledPrompt> prompts) implements EvalBenchmark {
        public World {
            Objects.requireNonNull(spec, "spec");
            prompts = List.copyOf(prompts);
        }

        public int size() {
            return prompts.size();
        }
    }

    /** How the outputs of a public or user benchmark are scored (as {@code benchmarks/README.md} says). */
    enum Scoring {
        /** 3-class LLM judge, or the string-match baseline when no LLM judge is given. */
        XSTEST,
        /** The rubric judge against the original forbidden prompt. */
        STRONGREJECT,
        /** Jailbroken when no refusal string occurs. */
        ADVBENCH,
        /** The marked or last number against the gold {@code #### N}. */
        GSM8K,
        /**
         * A user file: with an LLM judge, the StrongREJECT rubric grades harm on unsafe items and XSTest's 3-class judge
         * refusals on the others; without one, XSTest's refusal prefixes (the string-match baseline, labelled so).
         */
        FILE
    }

    /**
     * @param source where the items came from and the sha256 of its bytes (a rerun with another file content is a
     *               different benchmark); {@code bundled:NAME} for the public sets that ship with the product
     */
    record Tabular(String name, Scoring scoring, List<BenchmarkItem> items, String source, String sha256) implements EvalBenchmark {
        public Tabular {
            Objects.requireNonNull(scoring, "scoring");
            items = List.copyOf(items);
        }

        public Tabular(String name, Scoring scoring, List<BenchmarkItem> items) {
            this(name, scoring, items, name, "");
        }

        public int size() {
            return items.size();
        }
    }

    String SPECWORLD_TEST = "specworld-test";
    /** SpecWorld's train split: prompts like those a student trained on, for the memorisation gap beside the test split. */
    String SPECWORLD_TRAIN = "specworld-train";

    /** Every name {@link #resolve} understands besides a file. */
    List<String> NAMES = List.of(SPECWORLD_TEST, SPECWORLD_TRAIN, "xstest", "strongreject", "advbench", "gsm8k");

    /**
     * A benchmark by short name or file.
     *
     * @param benchmarksDir the public sets' folder; null = the bundled ones ({@link Benchmarks#bundled})
     * @param worldDir      a {@code deliberate world generate} folder whose {@code test.jsonl} to use; null = generate
     *                      SpecWorld's default world in memory from {@code seed}
     * @param mapping       columns of a user file; null = a {@code prompt} column
     * @param limit         at most this many items, spread evenly over the file (so every category keeps a share); 0 = all
     */
    static EvalBenchmark resolve(String nameOrFile, Path benchmarksDir, Path worldDir, ColumnMapping mapping, long seed, int limit) {
        return resolve(nameOrFile, null, benchmarksDir, worldDir, mapping, seed, limit);
    }

    /** {@link #resolve} with the name a file's results are filed under ({@code null}: the file's name). */
    static EvalBenchmark resolve(String nameOrFile, String fileName, Path benchmarksDir, Path worldDir, ColumnMapping mapping, long seed, int limit) {
        String n = nameOrFile.strip();
        switch (n.toLowerCase(Locale.ROOT)) {
            case SPECWORLD_TEST, SPECWORLD_TRAIN -> {
                String split = n.equalsIgnoreCase(SPECWORLD_TEST) ? SpecWorld.TEST : SpecWorld.TRAIN;
                List<LabelledPrompt> prompts;
                Spec spec = Spec.defaultSpec();
                if (worldDir != null) {
                    try {
                        prompts = WorldData.read(worldDir, split);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e.getMessage(), e);
                    }
                } else {
                    prompts = SpecWorld.builtin().generate(SpecWorld.Config.defaults(seed)).split(split);
                }
                return new World(split.equals(SpecWorld.TEST) ? SPECWORLD_TEST : SPECWORLD_TRAIN, spec, spread(prompts, limit));
            }
            case "xstest", "strongreject", "advbench", "gsm8k" -> {
                if (benchmarksDir != null && !Files.isDirectory(benchmarksDir))
                    throw new IllegalArgumentException("--benchmarks-dir " + benchmarksDir + " is not a folder; it must hold xstest/, strongreject/, advbench/, gsm8k/ (or leave it out for the bundled copies)");
                Scoring s = Scoring.valueOf(n.toUpperCase(Locale.ROOT));
                Path dir = benchmarksDir == null ? Benchmarks.bundled() : benchmarksDir;
                String key = n.toLowerCase(Locale.ROOT);
                return new Tabular(key, s, spread(Benchmarks.named(n, dir), limit),
                        benchmarksDir == null ? "bundled:" + key : dir.toString(), "");
            }
            default -> {
                Path file = Path.of(n);
                if (!Files.isRegularFile(file))
                    throw new IllegalArgumentException("--bench '" + n + "' is neither one of " + NAMES + " nor a CSV/JSONL file");
                ColumnMapping m = mapping == null ? ColumnMapping.prompt("prompt") : mapping;
                String name = fileName != null ? fileName : file.getFileName().toString();
                return new Tabular(name, Scoring.FILE, spread(TabularBenchmark.load(file, m, name), limit),
                        file.toAbsolutePath().normalize().toString(), sha256(file));
            }
        }
    }

    private static String sha256(Path file) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code limit} items at evenly spaced positions (all when limit is 0 or not smaller than the list). */
    static <T> List<T> spread(List<T> all, int limit) {
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        if (limit == 0 || limit >= all.size()) return all;
        var out = new ArrayList<T>(limit);
        for (int i = 0; i < limit; i++) out.add(all.get((int) ((long) i * all.size() / limit)));
        return out;
    }
}
