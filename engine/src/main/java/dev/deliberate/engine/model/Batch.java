package dev.deliberate.engine.model;

import java.util.Arrays;
import java.util.List;

/**
 * A right-padded batch of token sequences: row {@code b*seqLen + t} holds token t of sequence b, and
 * {@code targets[b*seqLen + t]} is the token the model should predict there (the next token), or −1 where no
 * loss applies (padding, the last token, masked prompt tokens).
 */
public record Batch(int size, int seqLen, int[] tokens, int[] targets, int[] lengths) {
    public Batch {
        if (tokens.length != size * seqLen || targets.length != size * seqLen || lengths.length != size)
            throw new IllegalArgumentException("batch arrays do not match " + size + "×" + seqLen);
        for (int len : lengths)
            if (len < 1 || len > seqLen) throw new IllegalArgumentException("sequence length " + len + " outside 1.." + seqLen);
    }

    public int rows() {
        return size * seqLen;
    }

    /** Every next token is a target. */
    public static Batch of(List<int[]> sequences) {
        return of(sequences, new int[sequences.size()], sequences.stream().mapToInt(s -> s.length).max().orElse(1));
    }

    /**
     * Targets only where the predicted token's index is at least {@code promptLengths[b]}: prompt tokens are
     * context, not loss (SFT's completion-only loss; DPO's response log-probs).
     */
    public static Batch of(List<int[]> sequences, int[] promptLengths, int seqLen) {
        int n = sequences.size();
        int[] tokens = new int[n * seqLen], targets = new int[n * seqLen], lengths = new int[n];
        Arrays.fill(targets, -1);
        for (int b = 0; b < n; b++) {
            int[] s = sequences.get(b);
            if (s.length > seqLen) throw new IllegalArgumentException("sequence " + b + " has " + s.length + " tokens > " + seqLen);
            lengths[b] = s.length;
            System.arraycopy(s, 0, tokens, b * seqLen, s.length);
            for (int t = Math.max(0, promptLengths[b] - 1); t + 1 < s.length; t++) targets[b * seqLen + t] = s[t + 1];
        }
        return new Batch(n, seqLen, tokens, targets, lengths);
    }

    /** Σ logp over each sequence's target rows: {@code log π(response | prompt)} when prompts are masked. */
    public double[] sumPerSequence(float[] logp) {
        double[] out = new double[size];
        for (int r = 0; r < rows(); r++) if (targets[r] >= 0) out[r / seqLen] += logp[r];
        return out;
    }

    /**
     * Writes {@code coefficient[b]} as ∂L/∂logp on every target row of sequence b (0 elsewhere): the backward of a
     * loss on summed sequence log-probs (DPO's ∂L/∂log π(y|x), an RL advantage).
     */
    public void spreadPerSequence(double[] coefficient, float[] dLogp) {
        for (int r = 0; r < rows(); r++) dLogp[r] = targets[r] >= 0 ? (float) coefficient[r / seqLen] : 0f;
    }

    /** Number of rows with a target. */
    public int targetCount() {
        int c = 0;
        for (int t : targets) if (t >= 0) c++;
        return c;
    }
}
