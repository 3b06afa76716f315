package dev.deliberate.engine.generate;

/**
 * One finished sequence: the generated tokens (prompt excluded; an EOS token that ended it included), each token's
 * log-prob under the model's unmodified distribution (temperature 1, no truncation), and why it stopped.
 */
public record Generation(int[] tokens, float[] logProbs, FinishReason finishReason) {
    public double sumLogProb() {
        double s = 0;
        for (float f : logProbs) s += f;
        return s;
    }
}
