package dev.deliberate.engine.generate;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Picks the next token from logits: greedy, or temperature → top-k → top-p (nucleus, Holtzman et al. 2020)
 * sampling. Scratch arrays are reused across calls.
 */
final class Sampler {
    private float[] probs = new float[0];
    private long[] order = new long[0];

    /** The chosen token; {@code logProbOut[0]} receives its log-prob under the unmodified distribution. */
    int sample(float[] logits, int off, int vocab, SamplingParams p, RandomGenerator rng, float[] logProbOut) {
        float max = Float.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int v = 0; v < vocab; v++)
            if (logits[off + v] > max) {
                max = logits[off + v];
                argmax = v;
            }
        double z = 0;
        for (int v = 0; v < vocab; v++) z += Math.exp(logits[off + v] - max);
        double logZ = max + Math.log(z);
        int token = p.temperature() == 0 ? argmax : draw(logits, off, vocab, max, p, rng);
        logProbOut[0] = (float) (logits[off + token] - logZ);
        return token;
    }

    /** The i-th most likely token after the sort in {@link #draw}. */
    private int token(int i, int vocab) {
        return (int) (0xFFFFFFFFL - (order[vocab - 1 - i] & 0xFFFFFFFFL));
    }

    private int draw(float[] logits, int off, int vocab, float max, SamplingParams p, RandomGenerator rng) {
        if (probs.length < vocab) {
            probs = new float[vocab];
            order = new long[vocab];
        }
        double inv = 1.0 / p.temperature(), sum = 0;
        for (int v = 0; v < vocab; v++) {
            probs[v] = (float) Math.exp((logits[off + v] - max) * inv);
            sum += probs[v];
        }
        int keep = vocab;
        boolean truncate = (p.topK() > 0 && p.topK() < vocab) || p.topP() < 1;
        if (truncate) {
            // rank by probability, ties by token id: (prob bits, inverted id) packed in a long sorts as one primitive key
            for (int v = 0; v < vocab; v++) order[v] = ((long) Float.floatToIntBits(probs[v]) << 32) | (0xFFFFFFFFL - v);
            Arrays.sort(order, 0, vocab);
            if (p.topK() > 0) keep = Math.min(keep, p.topK());
            if (p.topP() < 1) {
                double cum = 0, total = 0;
                for (int i = 0; i < keep; i++) total += probs[token(i, vocab)];
                for (int i = 0; i < keep; i++) {
                    cum += probs[token(i, vocab)];
                    if (cum >= p.topP() * total) {
                        keep = i + 1;
                        break;
                    }
                }
            }
            sum = 0;
            for (int i = 0; i < keep; i++) sum += probs[token(i, vocab)];
            double u = rng.nextDouble() * sum, c = 0;
            for (int i = 0; i < keep; i++) {
                c += probs[token(i, vocab)];
                if (u < c) return token(i, vocab);
            }
            return token(keep - 1, vocab);
        }
        double u = rng.nextDouble() * sum, c = 0;
        for (int v = 0; v < vocab; v++) {
            c += probs[v];
            if (u < c) return v;
        }
        return vocab - 1;
    }
}
