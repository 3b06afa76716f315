package dev.deliberate.align.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BootstrapTest {

    @Test
    void quantileInterpolatesLikeNumpy() {
        double[] x = {1, 2, 3, 4};
        assertEquals(1.75, Bootstrap.quantile(x, 0.25), 1e-12);   // h = 0.75
        assertEquals(1, Bootstrap.quantile(x, 0), 0);
        assertEquals(4, Bootstrap.quantile(x, 1), 0);
        assertEquals(3.9, Bootstrap.quantile(new double[] {0, 1, 2, 3, 4}, 0.975), 1e-12); // h = 3.9
        assertEquals(0.1, Bootstrap.quantile(new double[] {0, 1, 2, 3, 4}, 0.025), 1e-12);
    }

    @Test
    void constantDataHasAZeroWidthInterval() {
        var e = Bootstrap.DEFAULT.mean(new double[] {0.3, 0.3, 0.3});
        assertEquals(new Estimate(0.3, 0.3, 0.3, 3), e);
    }

    @Test
    void twoPointDataSpansBothEnds() {
        // resampled means of {0, 1}: 0 w.p. 1/4, 0.5 w.p. 1/2, 1 w.p. 1/4, so the 2.5% and 97.5% quantiles are 0 and 1
        var e = new Bootstrap(4000, 7, 0.95).mean(new double[] {0, 1});
        assertEquals(0.5, e.value());
        assertEquals(0, e.lo());
        assertEquals(1, e.hi());
        // with a 40% interval the quantiles (30%, 70%) both fall in the 0.5 mass
        var narrow = new Bootstrap(4000, 7, 0.4).mean(new double[] {0, 1});
        assertEquals(0.5, narrow.lo());
        assertEquals(0.5, narrow.hi());
    }

    @Test
    void fastPooledMeanEqualsTheGenericResamplerOnTheSameDraws() {
        double[] v = {0.1, 0.9, 0.4, 0.4, 0.75, 0.0, 1.0, 0.33};
        var b = new Bootstrap(500, 42, 0.95);
        List<Double> units = Arrays.stream(v).boxed().toList();
        var slow = b.estimate(units, us -> us.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        var fast = b.mean(v);
        assertEquals(slow.value(), fast.value(), 1e-12);
        assertEquals(slow.lo(), fast.lo(), 1e-12);
        assertEquals(slow.hi(), fast.hi(), 1e-12);
        assertTrue(fast.lo() < fast.value() && fast.value() < fast.hi());
    }

    @Test
    void clustersAreResampledWhole() {
        // clusters {1,1,1,1} and {0}: pooled mean 4/5; resamples give 1 (1/4), 4/5 (1/2) or 0 (1/4)
        var b = new Bootstrap(4000, 3, 0.95);
        var clustered = b.pooledMean(new double[][] {{1, 1, 1, 1}, {0}});
        assertEquals(0.8, clustered.value(), 1e-12);
        assertEquals(0, clustered.lo());
        assertEquals(1, clustered.hi());
        assertEquals(2, clustered.n());
        // treating the five samples as independent gives a narrower interval: the mistake clustering avoids
        var naive = b.mean(new double[] {1, 1, 1, 1, 0});
        assertTrue(naive.lo() > 0, naive.toString());
        assertEquals(5, naive.n());
    }

    @Test
    void clusteredMeanGroupsByUnit() {
        record S(String p, double v) {}
        var samples = List.of(new S("a", 1), new S("b", 0), new S("a", 1), new S("a", 1), new S("a", 1));
        var e = new Bootstrap(4000, 3, 0.95).clusteredMean(samples, S::p, S::v);
        assertEquals(new Bootstrap(4000, 3, 0.95).pooledMean(new double[][] {{1, 1, 1, 1}, {0}}), e);
    }

    @Test
    void seededAndEmptySafe() {
        double[] v = {0.2, 0.5, 0.9, 0.1, 0.7};
        assertEquals(new Bootstrap(200, 1, 0.95).mean(v), new Bootstrap(200, 1, 0.95).mean(v));
        assertNotEquals(new Bootstrap(200, 1, 0.95).mean(v), new Bootstrap(200, 2, 0.95).mean(v));
        assertTrue(Bootstrap.DEFAULT.mean(new double[0]).isEmpty());
        assertEquals("n/a (n=0)", Estimate.EMPTY.toString());
        assertEquals("0.500 [0.250, 0.750] (n=4)", new Estimate(0.5, 0.25, 0.75, 4).toString());
    }
}
