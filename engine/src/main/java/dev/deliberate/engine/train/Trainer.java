package dev.deliberate.engine.train;

import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.Transformer;

import java.util.List;

/**
 * The training loop's step: forward and backward over micro-batches (gradient accumulation), clip, AdamW, and one
 * log line per step with the figures a user watches: step, loss, lr, grad-norm, tok/s.
 */
public final class Trainer {
    private static final System.Logger LOG = System.getLogger(Trainer.class.getName());

    /** What one optimizer step did. */
    public record StepStats(int step, double loss, double lr, double gradNorm, int tokens, double seconds) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }

        @Override
        public String toString() {
            return String.format("step %5d | loss %.4f | lr %.3e | grad-norm %.3f | %.0f tok/s", step, loss, lr, gradNorm,
                    tokensPerSecond());
        }
    }

    private final Transformer model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final double maxGradNorm;
    private float[] logp = new float[0], dLogp = new float[0];

    public Trainer(Transformer model, AdamW optimizer, LrSchedule schedule, double maxGradNorm) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.maxGradNorm = maxGradNorm;
    }

    public Transformer model() {
        return model;
    }

    /** One optimizer step over {@code microBatches} with {@code objective}. */
    public StepStats step(List<Batch> microBatches, Objective objective) {
        long t0 = System.nanoTime();
        int totalTargets = 0, tokens = 0;
        for (Batch b : microBatches) {
            totalTargets += b.targetCount();
            for (int len : b.lengths()) tokens += len;
        }
        totalTargets = Math.max(1, totalTargets);
        model.zeroGrad();
        double loss = 0;
        for (Batch b : microBatches) {
            if (logp.length != b.rows()) {
                logp = new float[b.rows()];
                dLogp = new float[b.rows()];
            }
            boolean known = objective.gradientBeforeForward(b, dLogp, totalTargets, microBatches.size());
            model.forward(b, logp, known ? dLogp : null); // known: the head's backward runs in the forward
            loss += objective.lossAndGradient(b, logp, dLogp, totalTargets, microBatches.size());
            model.backward(dLogp);
        }
        int step = optimizer.stepCount();
        double lr = schedule.at(step);
        double norm = optimizer.step(lr, maxGradNorm);
        var stats = new StepStats(step + 1, loss, lr, norm, tokens, (System.nanoTime() - t0) / 1e9);
        LOG.log(System.Logger.Level.INFO, stats::toString);
        return stats;
    }
}
