package dev.deliberate.align.eval.harness;

import dev.deliberate.align.eval.metrics.Bootstrap;

import java.util.List;
import java.util.Objects;

/**
 * What one evaluation run does; the CLI builds it from flags, the demo in code.
 *
 * @param label         the method's name in tables and the report (e.g. {@code saro}); defaults to the model id
 * @param benchmarks    the loaded benchmarks, in order
 * @param attacks       {@code none,seen,held-out,all} or family names, as {@link dev.deliberate.align.attack.Attacks#select} reads
 *                      them; attacks are applied to the prompts a good model should decline, benign and general
 *                      prompts run un-attacked (and only when {@code none} is selected)
 * @param samples       completions per (item, attack)
 * @param temperature   0 = greedy
 * @param maxTokens     generation cap, reasoning included
 * @param seed          seeds the attacks' frames and the sampling
 * @param threads       (item, attack) cells in flight at once
 * @param specContext   whether the model sees the spec in a system message (the teacher's setting) or nothing
 * @param bootstrap     how intervals are computed
 */
public record EvalConfig(String label, List<EvalBenchmark> benchmarks, String attacks, int samples, double temperature,
                         int maxTokens, long seed, int threads, SpecContext specContext, Bootstrap bootstrap) {

    /** What a SpecWorld prompt is sent with. */
    public enum SpecContext {
        /** The bare conversation, as a deployed (trained) model sees it. */
        NONE,
        /** spec(category) of the prompt's own category ahead of it: the data-generation setting (an oracle category). */
        EXCERPT,
        /** The whole spec ahead of it: the spec-in-context baseline. */
        FULL;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public EvalConfig {
        benchmarks = List.copyOf(benchmarks);
        if (benchmarks.isEmpty()) throw new IllegalArgumentException("no benchmark given; add --bench specworld-test, xstest, … or a file");
        Objects.requireNonNull(attacks, "attacks");
        if (samples < 1) throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
        if (temperature < 0) throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        specContext = specContext == null ? SpecContext.NONE : specContext;
        bootstrap = bootstrap == null ? Bootstrap.DEFAULT : bootstrap;
    }

    /** Greedy, one sample, no attack, 512 tokens, one thread: a starting point to adjust with the withers. */
    public static EvalConfig of(String label, List<EvalBenchmark> benchmarks) {
        return new EvalConfig(label, benchmarks, "none", 1, 0, 512, 1, 1, SpecContext.NONE, Bootstrap.DEFAULT);
    }

    public EvalConfig withAttacks(String attacks) {
        return new EvalConfig(label, benchmarks, attacks, samples, temperature, maxTokens, seed, threads, specContext, bootstrap);
    }

    public EvalConfig withSampling(int samples, double temperature, int maxTokens, long seed) {
        return new EvalConfig(label, benchmarks, attacks, samples, temperature, maxTokens, seed, threads, specContext, bootstrap);
    }

    public EvalConfig withThreads(int threads) {
        return new EvalConfig(label, benchmarks, attacks, samples, temperature, maxTokens, seed, threads, specContext, bootstrap);
    }

    public EvalConfig withSpecContext(SpecContext c) {
        return new EvalConfig(label, benchmarks, attacks, samples, temperature, maxTokens, seed, threads, c, bootstrap);
    }

    public EvalConfig withBootstrap(Bootstrap b) {
        return new EvalConfig(label, benchmarks, attacks, samples, temperature, maxTokens, seed, threads, specContext, b);
    }
}
