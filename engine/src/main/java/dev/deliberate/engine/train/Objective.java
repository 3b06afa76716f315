package dev.deliberate.engine.train;

import dev.deliberate.engine.model.Batch;

/**
 * A training objective expressed through per-token log-probs of the targets: given a micro-batch's log-probs it
 * returns its loss contribution and writes {@code ∂L/∂logp} per row. SFT, DPO and RL differ only here.
 */
@FunctionalInterface
public interface Objective {
    /**
     * @param totalTargets targets across all micro-batches of this optimizer step (for token-mean losses)
     * @param microBatches number of micro-batches in this optimizer step
     */
    double lossAndGradient(Batch batch, float[] logp, float[] dLogp, int totalTargets, int microBatches);

    /** Token-level cross-entropy, mean over all target tokens of the step: L = −Σ logp / N, so ∂L/∂logp = −1/N. */
    static Objective crossEntropy() {
        return (batch, logp, dLogp, total, micro) -> {
            double loss = 0;
            int[] targets = batch.targets();
            for (int r = 0; r < logp.length; r++) {
                if (targets[r] < 0) {
                    dLogp[r] = 0;
                    continue;
                }
                loss -= logp[r];
                dLogp[r] = -1f / total;
            }
            return loss / total;
        };
    }
}
