package dev.deliberate.engine.generate;

import java.util.List;

/**
 * How one sequence is sampled and when it stops.
 *
 * @param temperature 0 for greedy (argmax), else logits are divided by it
 * @param topK        keep the k most likely tokens (0: all)
 * @param topP        keep the smallest set whose probability reaches p (1: all)
 * @param maxTokens   stop after this many generated tokens
 * @param seed        seeds this sequence's own random generator
 * @param eosIds      token ids that end the sequence (the EOS token is kept in the output)
 * @param stopStrings texts that end the sequence once the detokenized output contains one
 */
public record SamplingParams(double temperature, int topK, double topP, int maxTokens, long seed, List<Integer> eosIds,
                             List<String> stopStrings) {
    public SamplingParams {
        if (temperature < 0) throw new IllegalArgumentException("temperature must be ≥ 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top_k must be ≥ 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (maxTokens < 1) throw new IllegalArgumentException("max_tokens must be ≥ 1, got " + maxTokens);
        eosIds = List.copyOf(eosIds);
        stopStrings = List.copyOf(stopStrings);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 0, 1, maxTokens, 0, List.of(), List.of());
    }

    public static SamplingParams sample(double temperature, int topK, double topP, int maxTokens, long seed) {
        return new SamplingParams(temperature, topK, topP, maxTokens, seed, List.of(), List.of());
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, maxTokens, s, eosIds, stopStrings);
    }

    public SamplingParams withStops(List<Integer> eos, List<String> stops) {
        return new SamplingParams(temperature, topK, topP, maxTokens, seed, eos, stops);
    }
}
