package dev.deliberate.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

class GemmTest {
    private static final float SENTINEL = -12345.5f;

    /** One call's operands laid out with offsets, padded leading dimensions and sentinels around C. */
    private record Case(boolean transA, boolean transB, int m, int n, int k,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float[] c, int cOff, int ldc, boolean accumulate) {
        static Case random(Random rnd, boolean transA, boolean transB, int m, int n, int k, boolean accumulate) {
            int aRows = transA ? k : m, aCols = transA ? m : k;
            int bRows = transB ? n : k, bCols = transB ? k : n;
            int lda = aCols + rnd.nextInt(3), ldb = bCols + rnd.nextInt(3), ldc = n + rnd.nextInt(3);
            int aOff = rnd.nextInt(5), bOff = rnd.nextInt(5), cOff = rnd.nextInt(5);
            float[] a = fill(rnd, aOff + aRows * lda + 3);
            float[] b = fill(rnd, bOff + bRows * ldb + 3);
            float[] c = new float[cOff + m * ldc + 3];
            java.util.Arrays.fill(c, SENTINEL);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = rnd.nextFloat() * 2 - 1;
            }
            return new Case(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }

        float[] run() {
            return run(GemmKernel.DEFAULT);
        }

        float[] run(GemmKernel.Shape shape) {
            return run(shape, Gemm.A_MODE);
        }

        float[] run(GemmKernel.Shape shape, Gemm.AMode aMode) {
            float[] out = c.clone();
            Gemm.gemm(shape, aMode, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, out, cOff, ldc, accumulate);
            return out;
        }

        @Override
        public String toString() {
            return "gemm(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k
                    + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc + ", accumulate=" + accumulate + ")";
        }
    }

    private static float[] fill(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextFloat() * 2 - 1;
        return x;
    }

    /** The obviously-correct twin: double accumulation, checked against an error bound that grows with k. */
    private static void assertMatchesReference(Case t, float[] got) {
        for (int i = 0; i < t.c.length; i++) {
            int rel = i - t.cOff;
            boolean inside = rel >= 0 && rel / t.ldc < t.m && rel % t.ldc < t.n;
            int at = i;
            if (!inside) assertEquals(SENTINEL, got[i], () -> t + ": wrote outside C at index " + at);
        }
        for (int i = 0; i < t.m; i++) {
            for (int j = 0; j < t.n; j++) {
                double sum = 0, mag = 0;
                for (int p = 0; p < t.k; p++) {
                    double av = t.transA ? t.a[t.aOff + p * t.lda + i] : t.a[t.aOff + i * t.lda + p];
                    double bv = t.transB ? t.b[t.bOff + j * t.ldb + p] : t.b[t.bOff + p * t.ldb + j];
                    sum += av * bv;
                    mag += Math.abs(av * bv);
                }
                int ci = t.cOff + i * t.ldc + j;
                if (t.accumulate) {
                    sum += t.c[ci];
                    mag += Math.abs(t.c[ci]);
                }
                double tol = 2.0 * Math.ulp(1f) * (t.k + 2) * mag + 1e-30;
                int ii = i, jj = j;
                double expected = sum;
                assertEquals(expected, got[ci], tol, () -> t + ": C[" + ii + "][" + jj + "]");
            }
        }
    }

    @Test
    void matchesReferenceOnEdgeShapesForAllTransposes() {
        var rnd = new Random(1);
        int[] sizes = {1, 2, 7, 8, 9, 17, 31, 33, 63, 65, 129};
        int cases = 0;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int trial = 0; trial < 40; trial++) {
                    int m = sizes[rnd.nextInt(sizes.length)], n = sizes[rnd.nextInt(sizes.length)];
                    int k = sizes[rnd.nextInt(sizes.length)];
                    var t = Case.random(rnd, ta, tb, m, n, k, rnd.nextBoolean());
                    assertMatchesReference(t, t.run());
                    cases++;
                }
            }
        }
        assertEquals(160, cases);
    }

    @Test
    void matchesReferenceAcrossCacheBlocksAndWorkers() {
        var rnd = new Random(2);
        // Crosses KC (depth), MC (rows), NC (columns) and is large enough to be split between workers.
        int[][] shapes = {
                {Gemm.MC + 13, 70, Gemm.KC * 2 + 5}, {40, Gemm.NC + 37, 20}, {300, 97, 300},
                {97, 300, Gemm.KC + 1}, {Gemm.NARROW_M + 1, 500, 100}};
        for (int[] s : shapes) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    var t = Case.random(rnd, ta, tb, s[0], s[1], s[2], rnd.nextBoolean());
                    assertMatchesReference(t, t.run());
                }
            }
        }
    }

    /** A's rows are read in place only where they spread over L1 sets; strides of 512 floats or multiples pack A. */
    @Test
    void inPlaceAOnlyWhereTheRowsSpreadOverCacheSets() {
        for (int lda : new int[] {256, 768, 2304, 32000, 37, 64}) assertTrue(Gemm.fewRowsPerCacheSet(lda, 12), "lda " + lda);
        for (int lda : new int[] {512, 1024, 2048, 4096}) assertFalse(Gemm.fewRowsPerCacheSet(lda, 12), "lda " + lda);
        assertTrue(Gemm.fewRowsPerCacheSet(512, 6), "6 rows 2 KiB apart: 3 per set");
        assertFalse(Gemm.fewRowsPerCacheSet(2048, 6), "6 rows 8 KiB apart: all in one set");
        assertTrue(GemmKernel.S12X2.readsAInPlace());
        assertTrue(GemmKernel.S6X2.readsAInPlace());
        assertTrue(GemmKernel.S4X2.readsAInPlace());
        assertFalse(GemmKernel.S8X2.readsAInPlace());
    }

    @Test
    void packAPropertyNamesItsValues() {
        assertEquals(Gemm.AMode.IN_PLACE, Gemm.AMode.fromProperty(null));
        assertEquals(Gemm.AMode.ROWS, Gemm.AMode.fromProperty(" Always"));
        assertEquals(Gemm.AMode.STEPS, Gemm.AMode.fromProperty("steps"));
        var e = assertThrows(IllegalArgumentException.class, () -> Gemm.AMode.fromProperty("sometimes"));
        assertTrue(e.getMessage().contains("deliberate.gemm.packA='sometimes'"), e.getMessage());
    }

    /**
     * Every micro-kernel shape (AVX2's 6×2 and 4×3, AVX-512's 8×2, 12×2 and 6×4), forced whatever this machine would
     * pick: each matches the reference on edge and multi-block sizes, and all give the same bits (the depth order of
     * every sum is the same, only the tiling differs).
     */
    @Test
    void everyKernelShapeMatchesReferenceAndTheOthersBitForBit() {
        var rnd = new Random(3);
        // The third crosses MC and KC; the fourth a full first KC×NC block, which is not whole panels of every NR.
        int[][] shapes = {{13, 37, 19}, {25, 70, 300}, {Gemm.MC + 7, 3 * GemmKernel.MAX_NR + 5, Gemm.KC + 3},
                {13, Gemm.NC + 5, Gemm.KC + 3}, {9, 9, 9}};
        for (int[] s : shapes) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    var t = Case.random(rnd, ta, tb, s[0], s[1], s[2], rnd.nextBoolean());
                    float[] first = null;
                    for (var shape : GemmKernel.ALL) {
                        for (var aMode : Gemm.AMode.values()) {
                            float[] got = t.run(shape, aMode);
                            assertMatchesReference(t, got);
                            if (first == null) first = got;
                            else assertArrayEquals(first, got, t + ": shape " + shape.name() + " with A " + aMode
                                    + " differs from " + GemmKernel.ALL.getFirst().name() + " with A " + Gemm.AMode.values()[0]);
                        }
                    }
                }
            }
        }
        assertTrue(GemmKernel.DEFAULT.registers() <= GemmKernel.vectorRegisters(),
                "the default shape " + GemmKernel.DEFAULT + " must fit the " + GemmKernel.vectorRegisters() + " vector registers");
        for (var shape : GemmKernel.ALL) assertEquals(0, Gemm.MC % shape.mr(), shape + ": MC must be a multiple of MR");
    }

    @Test
    void narrowRowsMatchReference() {
        var rnd = new Random(3);
        for (int m = 1; m <= Gemm.NARROW_M; m++) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    int n = 1 + rnd.nextInt(300), k = 1 + rnd.nextInt(200);
                    var t = Case.random(rnd, ta, tb, m, n, k, rnd.nextBoolean());
                    assertMatchesReference(t, t.run());
                }
            }
            var wide = Case.random(rnd, false, true, m, 1500, 768, false);
            assertMatchesReference(wide, wide.run());
        }
    }

    @Test
    void emptyDepthClearsOrKeepsC() {
        var rnd = new Random(4);
        for (boolean acc : new boolean[] {false, true}) {
            var t = Case.random(rnd, false, true, 5, 9, 0, acc);
            float[] got = t.run();
            for (int i = 0; i < t.m; i++) {
                for (int j = 0; j < t.n; j++) {
                    int ci = t.cOff + i * t.ldc + j;
                    assertEquals(acc ? t.c[ci] : 0f, got[ci], t + " at " + i + "," + j);
                }
            }
        }
        var none = Case.random(rnd, false, false, 0, 5, 5, false);
        assertArrayEquals(none.c, none.run());
        var noCols = Case.random(rnd, true, false, 5, 0, 5, false);
        assertArrayEquals(noCols.c, noCols.run());
    }

    @Test
    void resultsAreBitIdenticalWhateverTheCallOrderAndThread() throws Exception {
        var rnd = new Random(5);
        List<Case> cases = new ArrayList<>();
        for (int[] s : new int[][] {{300, 200, 300}, {4, 700, 300}, {70, 33, 513}, {9, 9, 9}}) {
            for (int combo = 0; combo < 4; combo++) {
                cases.add(Case.random(rnd, (combo & 1) != 0, (combo & 2) != 0, s[0], s[1], s[2], combo == 1));
            }
        }
        List<float[]> forward = new ArrayList<>();
        for (Case t : cases) forward.add(t.run());
        for (int i = cases.size() - 1; i >= 0; i--) {
            assertArrayEquals(forward.get(i), cases.get(i).run(), cases.get(i) + " changed when called in reverse order");
        }
        try (var other = Executors.newSingleThreadExecutor()) {
            for (int i = 0; i < cases.size(); i++) {
                Case t = cases.get(i);
                assertArrayEquals(forward.get(i), other.submit(() -> t.run()).get(), t + " changed on another thread");
            }
        }
    }

    /**
     * B held as bf16 and widened inside the packing (or the narrow path) gives exactly the fp32 GEMM on the widened
     * values: every transpose, odd and multi-block shapes, the narrow rows, every forced micro-kernel shape.
     */
    @Test
    void bf16BGivesExactlyTheFp32ResultOnTheWidenedValues() {
        var rnd = new Random(6);
        int[][] shapes = {{13, 37, 19}, {1, 7, 5}, {3, 300, 65}, {Gemm.NARROW_M, 129, 771}, {Gemm.NARROW_M + 1, 33, 17},
                {25, 70, 300}, {Gemm.MC + 7, 3 * GemmKernel.MAX_NR + 5, Gemm.KC + 3}, {40, Gemm.NC + 37, 20}, {9, 9, 9}};
        int compared = 0;
        for (int[] s : shapes) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    var t = Case.random(rnd, ta, tb, s[0], s[1], s[2], rnd.nextBoolean());
                    short[] bh = dev.deliberate.engine.backend.Bf16.narrow(t.b);
                    float[] widened = new float[bh.length];
                    dev.deliberate.engine.backend.Bf16.widen(bh, 0, widened, 0, bh.length);
                    assertNotEquals(java.util.Arrays.hashCode(t.b), java.util.Arrays.hashCode(widened), "rounding must change B for the test to mean something");
                    var fp32 = new Case(ta, tb, t.m, t.n, t.k, t.a, t.aOff, t.lda, widened, t.bOff, t.ldb, t.c, t.cOff, t.ldc, t.accumulate);
                    for (var shape : GemmKernel.ALL) {
                        float[] want = fp32.run(shape);
                        float[] got = t.c.clone();
                        Gemm.gemm(shape, ta, tb, t.m, t.n, t.k, t.a, t.aOff, t.lda, bh, t.bOff, t.ldb, got, t.cOff, t.ldc, t.accumulate);
                        assertArrayEquals(want, got, t + " with bf16 B, shape " + shape.name());
                        compared++;
                    }
                    float[] viaDefault = t.c.clone();
                    Gemm.gemm(ta, tb, t.m, t.n, t.k, t.a, t.aOff, t.lda, bh, t.bOff, t.ldb, viaDefault, t.cOff, t.ldc, t.accumulate);
                    assertArrayEquals(fp32.run(), viaDefault, t + " with bf16 B, default shape");
                }
            }
        }
        assertEquals(shapes.length * 4 * GemmKernel.ALL.size(), compared);
    }

    @Test
    void rejectsNegativeSizes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, -1, 2, 2, new float[4], 0, 2, new float[4], 0, 2, new float[4], 0, 2, false));
        assertTrue(e.getMessage().contains("m=-1"), e.getMessage());
    }
}
