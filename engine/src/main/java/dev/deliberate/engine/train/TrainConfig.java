package dev.deliberate.engine.train;

/**
 * The loop's knobs, named as in TRL / transformers' {@code TrainingArguments}.
 *
 * @param epochs         passes over the data (ignored when {@code maxSteps > 0})
 * @param maxSteps       optimizer steps; 0 = as many as {@code epochs} take
 * @param batchSize      examples per optimizer step (pairs for DPO, prompts for RL)
 * @param microBatchSize examples per forward/backward; the step accumulates {@code ⌈batch/micro⌉} of them
 * @param warmupRatio    share of the steps spent warming the learning rate up, then cosine decay
 * @param minLrRatio     the cosine ends at {@code lr · minLrRatio}
 * @param maxGradNorm    global-norm clipping (0: off)
 * @param evalEvery      evaluate on the held-out split every this many steps (0: only at the end)
 * @param saveEvery      write the resumable state every this many steps (0: only at the end)
 */
public record TrainConfig(int epochs, int maxSteps, int batchSize, int microBatchSize, double lr, double warmupRatio,
                          double minLrRatio, double weightDecay, double maxGradNorm, long seed, int evalEvery,
                          int saveEvery) {
    public TrainConfig {
        if (epochs < 1 && maxSteps < 1) throw new IllegalArgumentException("need epochs >= 1 or max-steps >= 1");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (microBatchSize < 1) throw new IllegalArgumentException("micro-batch size must be >= 1, got " + microBatchSize);
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        if (warmupRatio < 0 || warmupRatio >= 1) throw new IllegalArgumentException("warmup ratio must be in [0, 1), got " + warmupRatio);
        if (evalEvery < 0 || saveEvery < 0) throw new IllegalArgumentException("eval-every and save-every must be >= 0");
    }

    /** One epoch, batch 8 in micro-batches of 4, 10% warmup, cosine to 10%, no weight decay, clip at 1. */
    public static TrainConfig defaults(double lr) {
        return new TrainConfig(1, 0, 8, 4, lr, 0.1, 0.1, 0.0, 1.0, 42, 0, 0);
    }

    public TrainConfig withSteps(int epochs, int maxSteps) {
        return new TrainConfig(epochs, maxSteps, batchSize, microBatchSize, lr, warmupRatio, minLrRatio, weightDecay, maxGradNorm, seed, evalEvery, saveEvery);
    }

    public TrainConfig withBatch(int batch, int micro) {
        return new TrainConfig(epochs, maxSteps, batch, micro, lr, warmupRatio, minLrRatio, weightDecay, maxGradNorm, seed, evalEvery, saveEvery);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, maxSteps, batchSize, microBatchSize, lr, warmupRatio, minLrRatio, weightDecay, maxGradNorm, s, evalEvery, saveEvery);
    }

    public TrainConfig withEvery(int eval, int save) {
        return new TrainConfig(epochs, maxSteps, batchSize, microBatchSize, lr, warmupRatio, minLrRatio, weightDecay, maxGradNorm, seed, eval, save);
    }

    public TrainConfig withWarmup(double warmup, double minRatio) {
        return new TrainConfig(epochs, maxSteps, batchSize, microBatchSize, lr, warmup, minRatio, weightDecay, maxGradNorm, seed, evalEvery, saveEvery);
    }

    /** Optimizer steps over a dataset of {@code n} examples. */
    public int totalSteps(int n) {
        return maxSteps > 0 ? maxSteps : epochs * Batches.stepsPerEpoch(n, batchSize);
    }
}
