package dev.deliberate.bench;

import dev.deliberate.engine.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Encode throughput of a tokenizer on {@link TokenizerBenchText}: one thread encodes every document in turn, several
 * timed runs after a warm-up, median reported beside the goal. Reference: Hugging Face {@code tokenizers} (Rust)
 * encodes roughly 5–20 MB/s on one core; the goal is at least 5 MB/s.
 */
public final class TokenizerBench {
    public static final double GOAL_MB_PER_S = 5.0;

    /** @param mbPerSecond per run, in run order */
    public record Result(long bytes, int documents, long tokens, double[] mbPerSecond) {
        public double medianMbPerSecond() {
            double[] s = mbPerSecond.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }

    private TokenizerBench() {}

    public static Result run(Tokenizer tokenizer, List<String> docs, int runs) {
        long bytes = 0;
        for (String d : docs) bytes += d.getBytes(StandardCharsets.UTF_8).length;
        long tokens = encodeAll(tokenizer, docs.subList(0, Math.min(docs.size(), 2000))); // warm-up: JIT, BPE caches
        double[] rates = new double[runs];
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            tokens = encodeAll(tokenizer, docs);
            rates[r] = bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
        }
        return new Result(bytes, docs.size(), tokens, rates);
    }

    private static long encodeAll(Tokenizer tokenizer, List<String> docs) {
        long n = 0;
        for (String d : docs) n += tokenizer.encode(d, false).length;
        return n;
    }

    public static void report(Result r, String what, PrintWriter out) {
        out.printf("tokenizer encode: %s, one thread, %.1f MB mixed-language text (%,d documents, %,d tokens)%n",
                what, r.bytes() / 1e6, r.documents(), r.tokens());
        for (int i = 0; i < r.mbPerSecond().length; i++) out.printf("  run %d: %.2f MB/s%n", i + 1, r.mbPerSecond()[i]);
        double median = r.medianMbPerSecond();
        out.printf("median: %.2f MB/s (%.2f M tokens/s)%n", median, median * r.tokens() / r.bytes());
        out.printf("goal: >= %.0f MB/s on one core (HF tokenizers, Rust, does roughly 5-20 MB/s): ratio %.2fx%n",
                GOAL_MB_PER_S, median / GOAL_MB_PER_S);
        out.flush();
    }
}
