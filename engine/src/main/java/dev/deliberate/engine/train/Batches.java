package dev.deliberate.engine.train;

import dev.deliberate.engine.model.Batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

/**
 * Data order and micro-batching. An epoch's order is a permutation drawn from (seed, epoch) alone, so a resumed run
 * sees exactly the examples an uninterrupted one would; within an optimizer step, examples are sorted by length and
 * cut into micro-batches, each padded only to its own longest sequence.
 */
public final class Batches {
    private Batches() {}

    /** The examples (indices into the dataset) of 0-based optimizer step {@code step}. */
    public static int[] stepIndices(int datasetSize, int batchSize, long seed, int step) {
        int perEpoch = stepsPerEpoch(datasetSize, batchSize);
        int epoch = step / perEpoch, within = step % perEpoch;
        int[] order = permutation(datasetSize, seed * 1_000_003L + epoch);
        int from = within * batchSize, to = Math.min(datasetSize, from + batchSize);
        return Arrays.copyOfRange(order, from, to);
    }

    public static int stepsPerEpoch(int datasetSize, int batchSize) {
        if (datasetSize < 1) throw new IllegalArgumentException("the dataset is empty");
        return Math.ceilDiv(datasetSize, batchSize);
    }

    /** Fisher–Yates with a seeded generator. */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        var rnd = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Sorts {@code indices} by length (stable, longest first) and groups them {@code microBatchSize} at a time. */
    public static List<int[]> byLength(int[] indices, int microBatchSize, ToIntFunction<Integer> length) {
        Integer[] sorted = Arrays.stream(indices).boxed().toArray(Integer[]::new);
        Arrays.sort(sorted, (a, b) -> Integer.compare(length.applyAsInt(b), length.applyAsInt(a)));
        var out = new ArrayList<int[]>();
        for (int i = 0; i < sorted.length; i += microBatchSize) {
            int[] g = new int[Math.min(microBatchSize, sorted.length - i)];
            for (int k = 0; k < g.length; k++) g[k] = sorted[i + k];
            out.add(g);
        }
        return out;
    }

    /** A right-padded batch whose targets are exactly the masked tokens of each example. */
    public static Batch of(List<TokenizedExample> examples) {
        int n = examples.size(), seqLen = 1;
        for (var e : examples) seqLen = Math.max(seqLen, e.length());
        int[] tokens = new int[n * seqLen], targets = new int[n * seqLen], lengths = new int[n];
        Arrays.fill(targets, -1);
        for (int b = 0; b < n; b++) {
            var e = examples.get(b);
            lengths[b] = e.length();
            System.arraycopy(e.ids(), 0, tokens, b * seqLen, e.length());
            for (int t = 0; t + 1 < e.length(); t++) if (e.mask()[t + 1] == 1) targets[b * seqLen + t] = e.ids()[t + 1];
        }
        return new Batch(n, seqLen, tokens, targets, lengths);
    }
}
