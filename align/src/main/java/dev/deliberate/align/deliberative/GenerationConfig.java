package dev.deliberate.align.deliberative;

import dev.deliberate.align.data.Fanout;

/**
 * What every generator is configured with: how the teacher is sampled and judged, the bar a sample must clear, the
 * seed, and how many prompts are worked on at once.
 *
 * @param threshold minimum (min-of-k) judge score of a kept sample, which the judge must also accept
 * @param threads   prompts worked on at once (teacher and judge calls in parallel; output order is unaffected)
 * @param engine    where the prompts are worked on; null = {@code threads} threads in this process
 */
public record GenerationConfig(SpecContextSampler.Settings sampling, double threshold, long seed, int threads, Fanout engine) {
    public GenerationConfig {
        if (!(threshold >= 0 && threshold <= 1)) throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }

    /** Worked on in this process, {@code threads} prompts at once. */
    public GenerationConfig(SpecContextSampler.Settings sampling, double threshold, long seed, int threads) {
        this(sampling, threshold, seed, threads, null);
    }

    /** The same run on another engine (e.g. Spark); the data do not change. */
    public GenerationConfig withEngine(Fanout engine) {
        return new GenerationConfig(sampling, threshold, seed, threads, engine);
    }

    /** The engine: the one given, else {@code threads} threads here. */
    public Fanout fanout() {
        return engine != null ? engine : Fanout.threads(threads);
    }

    /** K samples per prompt, one judging run (a deterministic judge), temperature 1, threshold 0.9, seed 1, one thread. */
    public static GenerationConfig defaults(int k) {
        return new GenerationConfig(new SpecContextSampler.Settings(k, 1, 1.0, 2048), 0.9, 1, 1);
    }
}
