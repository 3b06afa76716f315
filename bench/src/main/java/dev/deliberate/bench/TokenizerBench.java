package dev.deliberate.bench;

import dev.deliberate.engine.tokenizer.HfTokenizer;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Encode throughput on {@link TokenizerBenchText}: one thread encodes every document in turn; several timed runs,
 * each with a fresh tokenizer warmed up on other text; median reported. Two encoders on the same tokenizer and text: ours ({@link HfTokenizer#encode},
 * in Java where the tokenizer's shape allows) and the reference, Hugging Face {@code tokenizers} (Rust) through
 * DJL's JNI binding — whose ids ours must equal on every document. The goal is at least 5 MB/s on one
 * core (HF tokenizers does roughly 5–20 MB/s single-threaded on an idle machine).
 */
public final class TokenizerBench {
    public static final double GOAL_MB_PER_S = 5.0;

    /** The Qwen3 tokenizer that ships with the benchmark (Apache-2.0; LICENSE and SOURCE.md beside it), as a folder on disk. */
    public static java.nio.file.Path qwen3() {
        return dev.deliberate.engine.io.BundledFiles.folder(TokenizerBench.class, "/dev/deliberate/bench/qwen3", "qwen3-tokenizer",
                List.of("tokenizer.json", "tokenizer_config.json", "LICENSE", "SOURCE.md"));
    }

    /** @param mbPerSecond per run, in run order */
    public record Result(long bytes, int documents, long tokens, double[] mbPerSecond) {
        public double medianMbPerSecond() {
            double[] s = mbPerSecond.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }

    private TokenizerBench() {}

    /**
     * Times {@code runs} passes over {@code docs}, each with a freshly loaded tokenizer (so no pass profits from a word
     * cache filled by the one before, as a stream of new text would not), warmed up first on other text (JIT).
     */
    public static Result run(Supplier<HfTokenizer> load, boolean rust, List<String> warmUp, List<String> docs, int runs) {
        long bytes = 0;
        for (String d : docs) bytes += d.getBytes(StandardCharsets.UTF_8).length;
        long tokens = 0;
        double[] rates = new double[runs];
        for (int r = 0; r < runs; r++) {
            try (HfTokenizer t = load.get()) {
                Function<String, int[]> encoder = rust ? d -> t.encodeWithRust(d, false) : d -> t.encode(d, false);
                encodeAll(encoder, warmUp);
                long t0 = System.nanoTime();
                tokens = encodeAll(encoder, docs);
                rates[r] = bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
            }
        }
        return new Result(bytes, docs.size(), tokens, rates);
    }

    private static long encodeAll(Function<String, int[]> encoder, List<String> docs) {
        long n = 0;
        for (String d : docs) n += encoder.apply(d).length;
        return n;
    }

    /** The number of documents whose ids differ between our encoder and the reference (0 is the only right answer). */
    public static int mismatches(HfTokenizer tokenizer, List<String> docs) {
        int bad = 0;
        for (String d : docs) if (!Arrays.equals(tokenizer.encode(d, false), tokenizer.encodeWithRust(d, false))) bad++;
        return bad;
    }

    /** Runs both encoders and prints the comparison; returns the number of documents whose ids differ. */
    public static int compare(Supplier<HfTokenizer> load, String name, List<String> warmUp, List<String> docs, int runs, PrintWriter out) {
        int bad;
        boolean java;
        try (HfTokenizer t = load.get()) {
            bad = mismatches(t, docs);
            java = t.encodesInJava();
        }
        Result ours = run(load, false, warmUp, docs, runs);
        Result rust = run(load, true, warmUp, docs, runs);
        out.printf("tokenizer encode, %s, one thread, %.1f MB mixed-language text (%,d documents, %,d tokens), %d runs each,"
                        + " fresh tokenizer per run%n", name, ours.bytes() / 1e6, ours.documents(), ours.tokens(), runs);
        line(out, java ? "ours (Java)" : "ours (= Rust, no Java path for this shape)", ours);
        line(out, "reference: HF tokenizers (Rust) via DJL", rust);
        out.printf("ids identical on %,d of %,d documents%n", docs.size() - bad, docs.size());
        double median = ours.medianMbPerSecond();
        out.printf("ratio ours / reference: %.2fx%n", median / rust.medianMbPerSecond());
        out.printf("goal: >= %.0f MB/s on one core (HF tokenizers does roughly 5-20 MB/s idle): ours %.2f MB/s = %.2fx the goal%n",
                GOAL_MB_PER_S, median, median / GOAL_MB_PER_S);
        out.flush();
        return bad;
    }

    private static void line(PrintWriter out, String label, Result r) {
        StringBuilder runs = new StringBuilder();
        for (double v : r.mbPerSecond()) runs.append(runs.isEmpty() ? "" : ", ").append(String.format("%.2f", v));
        out.printf("  %-42s median %6.2f MB/s  (%.2f M tokens/s; runs: %s)%n", label + ":", r.medianMbPerSecond(),
                r.medianMbPerSecond() * r.tokens() / r.bytes(), runs);
    }
}
