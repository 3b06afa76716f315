package dev.deliberate.engine.train;

/**
 * Linear warmup to {@code peak} over {@code warmupSteps}, then cosine decay to {@code peak·minRatio} at
 * {@code totalSteps} (transformers' {@code get_cosine_schedule_with_warmup} when minRatio is 0).
 */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {
    public LrSchedule {
        if (peak <= 0 || warmupSteps < 0 || totalSteps < 1 || minRatio < 0 || minRatio > 1)
            throw new IllegalArgumentException("bad schedule: peak > 0, warmup ≥ 0, total ≥ 1, 0 ≤ minRatio ≤ 1");
    }

    public static LrSchedule constant(double lr) {
        return new LrSchedule(lr, 0, Integer.MAX_VALUE, 1);
    }

    /** Learning rate for 0-based optimizer step {@code step}. */
    public double at(int step) {
        if (step < warmupSteps) return peak * (step + 1) / (warmupSteps + 1);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
