package dev.deliberate.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.random.RandomGeneratorFactory;

import static org.junit.jupiter.api.Assertions.*;

/** Sampling frequencies against the truncated, renormalised distribution written out by hand. */
class SamplerTest {
    // probabilities ∝ exp(logit): 0.4, 0.3, 0.15, 0.1, 0.05 (token 3 first in the array, to test the ranking)
    static final float[] LOGITS = {(float) Math.log(0.3), (float) Math.log(0.05), (float) Math.log(0.15),
            (float) Math.log(0.4), (float) Math.log(0.1)};

    static double[] frequencies(SamplingParams p, int draws) {
        var s = new Sampler();
        var rng = RandomGeneratorFactory.of("L64X128MixRandom").create(1);
        double[] f = new double[LOGITS.length];
        float[] lp = new float[1];
        for (int i = 0; i < draws; i++) {
            int t = s.sample(LOGITS, 0, LOGITS.length, p, rng, lp);
            assertEquals(LOGITS[t] - Math.log(1.0), lp[0], 1e-5, "log-prob under the unmodified distribution");
            f[t] += 1.0 / draws;
        }
        return f;
    }

    @Test
    void topKTopPAndTemperatureGiveTheExpectedDistributions() {
        int n = 40_000;
        double tol = 0.012;
        // top-p 0.8 keeps {0.4, 0.3, 0.15} (cumulative 0.85 ≥ 0.8), renormalised by 0.85
        assertArrayEquals(new double[]{0.3 / 0.85, 0, 0.15 / 0.85, 0.4 / 0.85, 0},
                frequencies(SamplingParams.sample(1, 0, 0.8, 1, 0), n), tol);
        // top-k 2 keeps {0.4, 0.3}
        assertArrayEquals(new double[]{0.3 / 0.7, 0, 0, 0.4 / 0.7, 0}, frequencies(SamplingParams.sample(1, 2, 1, 1, 0), n), tol);
        // temperature 0.5 squares the probabilities before renormalising
        double z = 0.16 + 0.09 + 0.0225 + 0.01 + 0.0025;
        assertArrayEquals(new double[]{0.09 / z, 0.0025 / z, 0.0225 / z, 0.16 / z, 0.01 / z},
                frequencies(SamplingParams.sample(0.5, 0, 1, 1, 0), n), tol);
        assertArrayEquals(new double[]{0, 0, 0, 1, 0}, frequencies(SamplingParams.greedy(1), 100), 1e-9);
    }
}
