package dev.deliberate.align.llm;

import java.util.List;

/**
 * How to sample: the OpenAI chat-completion parameters every backend here honours.
 *
 * @param temperature 0 means greedy
 * @param topP        nucleus mass, 1 = off
 * @param maxTokens   cap on generated tokens (reasoning included)
 * @param n           completions per request
 * @param stop        stop strings (not included in the output)
 * @param seed        makes sampling repeatable where the backend supports it; null = unseeded
 */
public record SamplingParams(double temperature, double topP, int maxTokens, int n, List<String> stop, Long seed) {

    public SamplingParams {
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (maxTokens < 1) throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 1, maxTokens, 1, List.of(), null);
    }

    public static SamplingParams sample(double temperature, int maxTokens, int n, long seed) {
        return new SamplingParams(temperature, 1, maxTokens, n, List.of(), seed);
    }

    public SamplingParams withN(int n) {
        return new SamplingParams(temperature, topP, maxTokens, n, stop, seed);
    }

    public SamplingParams withSeed(Long seed) {
        return new SamplingParams(temperature, topP, maxTokens, n, stop, seed);
    }

    public SamplingParams withTemperature(double temperature) {
        return new SamplingParams(temperature, topP, maxTokens, n, stop, seed);
    }

    public SamplingParams withMaxTokens(int maxTokens) {
        return new SamplingParams(temperature, topP, maxTokens, n, stop, seed);
    }

    public SamplingParams withStop(List<String> stop) {
        return new SamplingParams(temperature, topP, maxTokens, n, stop, seed);
    }
}
