package dev.deliberate.engine.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DpoLossTest {

    @Test
    void matchesTheClosedFormAtZeroMargin() {
        // policy == reference: z = 0, loss = log 2, gradients ±β/2
        var r = DpoLoss.standard(0.1).compute(-10, -12, -10, -12, 5);
        assertEquals(Math.log(2), r.loss(), 1e-12);
        assertEquals(-0.05, r.dPolicyChosen(), 1e-12);
        assertEquals(0.05, r.dPolicyRejected(), 1e-12);
        assertEquals(0, r.margin(), 1e-12);
        assertFalse(r.correct());
    }

    @Test
    void handComputedValues() {
        // β=0.5, chosen moved +2 from ref, rejected moved -1: rc = 1, rr = -0.5, z = 1.5
        var r = DpoLoss.standard(0.5).compute(-8, -13, -10, -12, 5);
        double z = 1.5;
        assertEquals(Math.log1p(Math.exp(-z)), r.loss(), 1e-12);
        assertEquals(1.0, r.rewardChosen(), 1e-12);
        assertEquals(-0.5, r.rewardRejected(), 1e-12);
        assertEquals(1.5, r.margin(), 1e-12);
        assertTrue(r.correct());
        double s = 1 / (1 + Math.exp(z)); // σ(−z)
        assertEquals(-0.5 * s, r.dPolicyChosen(), 1e-12);
        assertEquals(0.5 * s, r.dPolicyRejected(), 1e-12);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithSmoothingAndSftTerm() {
        var loss = new DpoLoss(0.3, 0.1, 0.7);
        double pc = -7.3, pl = -9.1, rc = -8.0, rl = -8.5;
        var r = loss.compute(pc, pl, rc, rl, 4);
        double h = 1e-6;
        double numC = (loss.compute(pc + h, pl, rc, rl, 4).loss() - loss.compute(pc - h, pl, rc, rl, 4).loss()) / (2 * h);
        double numL = (loss.compute(pc, pl + h, rc, rl, 4).loss() - loss.compute(pc, pl - h, rc, rl, 4).loss()) / (2 * h);
        assertEquals(numC, r.dPolicyChosen(), 1e-7);
        assertEquals(numL, r.dPolicyRejected(), 1e-7);
    }

    @Test
    void staysFiniteAtExtremeMargins() {
        var big = DpoLoss.standard(1).compute(0, -5000, 0, 0, 1);
        assertEquals(0, big.loss(), 1e-12);
        var bad = DpoLoss.standard(1).compute(-5000, 0, 0, 0, 1);
        assertEquals(5000, bad.loss(), 1e-6);
        assertTrue(Double.isFinite(bad.dPolicyChosen()));
    }

    @Test
    void rejectsNonsenseHyperparameters() {
        assertThrows(IllegalArgumentException.class, () -> DpoLoss.standard(0));
        assertThrows(IllegalArgumentException.class, () -> new DpoLoss(0.1, 0.5, 0));
    }
}
