package dev.deliberate.engine.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class GrpoLossTest {

    @Test
    void advantagesAreGroupNormalised() {
        double[] a = GrpoLoss.groupAdvantages(new double[]{1, 0, 0, 1});
        // mean 0.5, population std 0.5
        assertArrayEquals(new double[]{0.5 / 0.5001, -0.5 / 0.5001, -0.5 / 0.5001, 0.5 / 0.5001}, a, 1e-12);
        assertArrayEquals(new double[]{0, 0, 0}, GrpoLoss.groupAdvantages(new double[]{0.7, 0.7, 0.7}));
    }

    @Test
    void onPolicyWithoutKlGivesMinusAdvantageOverLength() {
        var loss = new GrpoLoss(0.2, 0);
        double[] lp = {-1, -2, -3};
        double[] g = new double[3];
        var s = loss.tokenGradients(lp, lp, lp, 2.0, 1.0, g);
        assertArrayEquals(new double[]{-2.0 / 3, -2.0 / 3, -2.0 / 3}, g, 1e-12);
        assertEquals(-2.0, s.loss(), 1e-12);
        assertEquals(0, s.meanKl(), 1e-12);
    }

    @Test
    void clippingStopsTheGradientOutsideTheTrustRegion() {
        var loss = new GrpoLoss(0.2, 0);
        double[] old = {0, 0};
        double[] lp = {Math.log(1.5), Math.log(0.5)}; // ratios 1.5 and 0.5
        double[] g = new double[2];
        // positive advantage: ratio 1.5 > 1.2 is clipped (no gradient); ratio 0.5 is not (min picks 0.5A)
        var s = loss.tokenGradients(lp, old, old, 1.0, 1.0, g);
        assertEquals(0, g[0], 0);
        assertEquals(-0.5 / 2, g[1], 1e-12);
        assertEquals(0.5, s.clippedFraction(), 1e-12);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithKl() {
        var loss = new GrpoLoss(0.2, 0.04);
        double[] lp = {-1.1, -0.4, -2.5};
        double[] old = {-1.0, -0.5, -2.4};
        double[] ref = {-1.3, -0.2, -2.0};
        double adv = -0.8;
        double[] g = new double[3];
        loss.tokenGradients(lp, old, ref, adv, 1.0, g);
        double h = 1e-6;
        for (int t = 0; t < 3; t++) {
            double[] up = lp.clone(), dn = lp.clone();
            up[t] += h;
            dn[t] -= h;
            double num = (loss.tokenGradients(up, old, ref, adv, 1, new double[3]).loss()
                    - loss.tokenGradients(dn, old, ref, adv, 1, new double[3]).loss()) / (2 * h);
            assertEquals(num, g[t], 1e-7, "token " + t);
        }
    }

    @Test
    void klEstimatorIsNonNegativeAndZeroAtTheReference() {
        var loss = new GrpoLoss(0.2, 1.0);
        double[] lp = {-1, -2};
        var same = loss.tokenGradients(lp, lp, lp, 0, 1, new double[2]);
        assertEquals(0, same.meanKl(), 1e-12);
        var diff = loss.tokenGradients(lp, lp, new double[]{-3, -0.5}, 0, 1, new double[2]);
        assertTrue(diff.meanKl() > 0);
    }
}
