package dev.deliberate.align.eval.analysis;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class PcaTest {

    @Test
    void jacobiOnATwoByTwoByHand() {
        var r = SymmetricEigen.decompose(new double[][] {{2, 1}, {1, 2}});
        assertArrayEquals(new double[] {3, 1}, r.values(), 1e-12);
        double h = Math.sqrt(0.5);
        assertEquals(h, Math.abs(r.vectors()[0][0]), 1e-12);
        assertEquals(r.vectors()[0][0], r.vectors()[0][1], 1e-12);
        assertEquals(-r.vectors()[1][0], r.vectors()[1][1], 1e-12);
    }

    @Test
    void jacobiSatisfiesTheEigenEquation() {
        var rnd = new Random(5);
        int m = 9;
        double[][] a = new double[m][m];
        for (int i = 0; i < m; i++) for (int j = 0; j <= i; j++) a[i][j] = a[j][i] = rnd.nextGaussian();
        var r = SymmetricEigen.decompose(a);
        for (int c = 0; c < m; c++) {
            if (c > 0) assertTrue(r.values()[c - 1] >= r.values()[c]);
            for (int i = 0; i < m; i++) {
                double av = 0;
                for (int j = 0; j < m; j++) av += a[i][j] * r.vectors()[c][j];
                assertEquals(r.values()[c] * r.vectors()[c][i], av, 1e-10);
            }
            for (int e = 0; e < m; e++) {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += r.vectors()[c][i] * r.vectors()[e][i];
                assertEquals(c == e ? 1 : 0, dot, 1e-10);
            }
        }
    }

    // points a·u1 + b·u2 + offset over the grid a ∈ {−3,−1,1,3}, b ∈ {−1,1}: axes u1, u2; variances 40/7 and 8/7
    static final double[] U1 = {1 / 3.0, 2 / 3.0, 2 / 3.0};
    static final double[] U2 = {2 / 3.0, 1 / 3.0, -2 / 3.0};

    static double[][] grid(int d, double sign) {
        double[][] x = new double[8][d];
        int i = 0;
        for (int a : new int[] {-3, -1, 1, 3}) {
            for (int b : new int[] {-1, 1}) {
                for (int j = 0; j < 3; j++) x[i][j] = sign * (a * U1[j] + b * U2[j]) + 10 + j;
                for (int j = 3; j < d; j++) x[i][j] = 7;
                i++;
            }
        }
        return x;
    }

    @Test
    void recoversKnownAxesWithTheSignConvention() {
        for (int d : new int[] {3, 20}) { // d = 20 > n = 8 takes the Gram-matrix path
            var p = Pca.project(grid(d, 1), 2);
            for (int j = 0; j < 3; j++) {
                assertEquals(U1[j], p.components()[0][j], 1e-10, "d=" + d);
                assertEquals(U2[j], p.components()[1][j], 1e-10, "d=" + d);
            }
            for (int j = 3; j < d; j++) assertEquals(0, p.components()[0][j], 1e-10);
            assertEquals(40 / 7.0, p.variances()[0], 1e-10);
            assertEquals(8 / 7.0, p.variances()[1], 1e-10);
            assertEquals(1.0, p.explained(0) + p.explained(1), 1e-10);
            assertEquals(-3, p.scores()[0][0], 1e-10); // the first point is a = −3, b = −1
            assertEquals(-1, p.scores()[0][1], 1e-10);
            assertEquals(3, p.scores()[7][0], 1e-10);
            assertEquals(10, p.mean()[0], 1e-12);
        }
    }

    @Test
    void mirroredDataGivesTheSameAxesAndMirroredScores() {
        var p = Pca.project(grid(3, 1), 2);
        var q = Pca.project(grid(3, -1), 2);
        for (int c = 0; c < 2; c++) {
            assertArrayEquals(p.components()[c], q.components()[c], 1e-10);
            for (int i = 0; i < 8; i++) assertEquals(-p.scores()[i][c], q.scores()[i][c], 1e-10);
        }
    }

    @Test
    void subspaceIterationMatchesJacobi() {
        var rnd = new Random(9);
        int n = 60, d = 40;
        double[][] x = new double[n][d];
        for (double[] r : x) for (int j = 0; j < d; j++) r[j] = rnd.nextGaussian() * (j < 2 ? 6 - 2 * j : 1.0 / (1 + j));
        var exact = Pca.project(x, 2, Integer.MAX_VALUE);
        var iter = Pca.project(x, 2, 0);
        for (int c = 0; c < 2; c++) {
            assertEquals(exact.variances()[c], iter.variances()[c], 1e-8 * exact.variances()[0]);
            assertArrayEquals(exact.components()[c], iter.components()[c], 1e-6);
            for (int i = 0; i < n; i++) assertEquals(exact.scores()[i][c], iter.scores()[i][c], 1e-5);
        }
    }

    @Test
    void subspaceIterationSurvivesRankDeficientAxisAlignedData() {
        int n = 40, d = 30;
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            x[i][0] = (i % 4) * 3;       // variance along e0
            x[i][1] = (i / 4) % 2;       // less along e1, balanced against every e0 value: uncorrelated
        }
        var p = Pca.project(x, 2, 0);
        assertEquals(1, p.components()[0][0], 1e-8);
        assertEquals(1, p.components()[1][1], 1e-8);
    }

    @Test
    void rejectsBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> Pca.project(new double[][] {{1, 2}}, 1));
        assertThrows(IllegalArgumentException.class, () -> Pca.project(new double[][] {{1, 2}, {3}}, 1));
        assertThrows(IllegalArgumentException.class, () -> Pca.project(new double[][] {{1, 2}, {3, 4}}, 3));
    }
}
