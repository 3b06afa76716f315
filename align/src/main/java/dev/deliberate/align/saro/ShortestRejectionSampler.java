package dev.deliberate.align.saro;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * SaRO's shortest rejection sampling (Mou et al., 2025, §3.1): of K samples for a prompt, keep the shortest one the
 * judge accepts, so the warm-up teaches long-enough safety reasoning without rewarding verbosity.
 */
public final class ShortestRejectionSampler {
    private ShortestRejectionSampler() {}

    /**
     * What was kept for one prompt.
     *
     * @param kept                 the shortest accepted sample (ties: the earliest), empty if none was accepted
     * @param keptIndex            its index among the K samples, -1 if none
     * @param accepted             how many of the K the judge accepted
     * @param sampled              K
     * @param keptLength           its length (tokens or characters, as measured), -1 if none
     * @param meanAcceptedLength   the expected length of a uniformly random accepted sample, NaN if none
     */
    public record Selection<T>(Optional<T> kept, int keptIndex, int accepted, int sampled,
                               int keptLength, double meanAcceptedLength) {
        /** How much shorter the kept sample is than a random accepted one: 1 − kept/mean (0 = no saving). */
        public double saving() {
            return kept.isEmpty() || meanAcceptedLength == 0 ? 0 : 1 - keptLength / meanAcceptedLength;
        }
    }

    public static <T> Selection<T> select(List<T> samples, Predicate<? super T> accepted, ToIntFunction<? super T> length) {
        int best = -1, bestLen = Integer.MAX_VALUE, nAccepted = 0;
        long sumLen = 0;
        for (int i = 0; i < samples.size(); i++) {
            T s = samples.get(i);
            if (!accepted.test(s)) continue;
            int len = length.applyAsInt(s);
            nAccepted++;
            sumLen += len;
            if (len < bestLen) {
                best = i;
                bestLen = len;
            }
        }
        if (best < 0) return new Selection<>(Optional.empty(), -1, 0, samples.size(), -1, Double.NaN);
        return new Selection<>(Optional.of(samples.get(best)), best, nAccepted, samples.size(), bestLen, (double) sumLen / nAccepted);
    }
}
