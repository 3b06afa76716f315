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

    /**
     * Writes {@code ∂L/∂logp} before the forward and returns true when it does not depend on the log-probs (then the
     * model runs its LM head's backward inside the forward, a block of logits at a time, and never keeps or recomputes
     * them); false, the default, when it does (DPO, RL).
     */
    default boolean gradientBeforeForward(Batch batch, float[] dLogp, int totalTargets, int microBatches) {
        return false;
    }

    /** Token-level cross-entropy, mean over all target tokens of the step: L = −Σ logp / N, so ∂L/∂logp = −1/N. */
    static Objective crossEntropy() {
        return new Objective() {
            @Override
            public double lossAndGradient(Batch batch, float[] logp, float[] dLogp, int total, int micro) {
                gradientBeforeForward(batch, dLogp, total, micro);
                double loss = 0;
                int[] targets = batch.targets();
                for (int r = 0; r < logp.length; r++) if (targets[r] >= 0) loss -= logp[r];
                return loss / total;
            }

            @Override
            public boolean gradientBeforeForward(Batch batch, float[] dLogp, int total, int micro) {
                int[] targets = batch.targets();
                for (int r = 0; r < batch.rows(); r++) dLogp[r] = targets[r] < 0 ? 0 : -1f / total;
                return true;
            }
        };
    }
}
