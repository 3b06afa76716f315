package dev.deliberate.engine.backend.cpu;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Bf16;
import dev.deliberate.engine.backend.ProfilingBackend;
import dev.deliberate.engine.backend.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The CPU backend's bf16 tensors: half the bytes, widened by download and embedding, read by matmul as B with the
 * fp32 result on the widened values (Java kernels, cpu-blas, the profiling decorator), and refused by the other kernels.
 */
class Bf16TensorTest {
    private static float[] randn(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private static Tensor of(Backend be, float[] v) {
        Tensor t = be.allocate(v.length);
        be.upload(v, 0, t, 0, v.length);
        return t;
    }

    private static float[] get(Backend be, Tensor t) {
        float[] v = new float[(int) t.size()];
        be.download(t, 0, v, 0, v.length);
        return v;
    }

    private static float[] rounded(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = Bf16.round(v[i]);
        return r;
    }

    /** C for every transpose case and accumulate flag with B bf16 and with B the widened fp32 values. */
    private static void assertMatmulMatchesWidened(Backend be, int[][] sizes, double tol) {
        var rnd = new Random(4);
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true})
                    for (boolean acc : new boolean[] {false, true}) {
                        float[] a = randn(rnd, m * k), b = randn(rnd, k * n), c0 = randn(rnd, m * n);
                        Tensor at = of(be, a), bh = be.toBf16(of(be, b)), bw = of(be, rounded(b));
                        Tensor c1 = of(be, c0), c2 = of(be, c0);
                        be.matmul(ta, tb, m, n, k, at, 0, bh, 0, c1, 0, acc);
                        be.matmul(ta, tb, m, n, k, at, 0, bw, 0, c2, 0, acc);
                        String what = be.name() + " m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb + " acc=" + acc;
                        if (tol == 0) assertArrayEquals(get(be, c2), get(be, c1), what);
                        else assertArrayEquals(get(be, c2), get(be, c1), (float) tol, what);
                        Tensor again = of(be, c0);
                        be.matmul(ta, tb, m, n, k, at, 0, bh, 0, again, 0, acc);
                        assertArrayEquals(get(be, c1), get(be, again), what + ": run to run");
                    }
        }
    }

    @Test
    void holdsHalfTheBytesAndDownloadsWidened() {
        var be = new CpuBackend();
        float[] v = randn(new Random(1), 37);
        Tensor f = of(be, v), h = be.toBf16(f);
        assertEquals(37 * 4, f.bytes());
        assertEquals(37 * 2, h.bytes());
        assertEquals(37, h.size());
        assertArrayEquals(rounded(v), get(be, h));
        assertArrayEquals(rounded(v), get(be, be.toFp32(h)));
        float[] part = new float[5];
        be.download(h, 30, part, 1, 4);
        for (int i = 0; i < 4; i++) assertEquals(Bf16.round(v[30 + i]), part[1 + i]);
    }

    @Test
    void embeddingWidensTheRowsOfABf16Table() {
        var be = new CpuBackend();
        int vocab = 11, cols = 19;
        float[] table = randn(new Random(2), vocab * cols);
        Tensor h = be.toBf16(of(be, table)), out = be.allocate(3 * cols);
        int[] tokens = {4, 0, 10};
        be.embedding(h, tokens, out, 3, cols);
        float[] got = get(be, out), want = rounded(table);
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < cols; j++) assertEquals(want[tokens[r] * cols + j], got[r * cols + j]);
    }

    @Test
    void javaKernelsGiveTheWidenedFp32ResultBitForBit() {
        assertMatmulMatchesWidened(new CpuBackend(),
                new int[][] {{1, 7, 5}, {4, 300, 65}, {13, 37, 19}, {Gemm.MC + 5, 70, Gemm.KC + 9}, {33, Gemm.NC + 3, 16}}, 0);
        assertMatmulMatchesWidened(new ProfilingBackend(new CpuBackend()), new int[][] {{3, 20, 9}, {30, 20, 9}}, 0);
    }

    @Test
    void cpuBlasWidensPerBlockOfColumns() {
        Assumptions.assumeTrue(OpenBlas.get() != null, () -> "skipped: no OpenBLAS library: " + OpenBlas.missingReason());
        var blas = CpuBackend.withOpenBlas();
        // within one widened block the call is the fp32 one on the widened values: the same bits
        assertMatmulMatchesWidened(blas, new int[][] {{1, 7, 5}, {9, 300, 65}, {Gemm.MC + 5, 70, Gemm.KC + 9}}, 0);
        // B over 2²⁰ floats goes through in column blocks: OpenBLAS may sum a block differently, so to fp32 tolerance
        assertMatmulMatchesWidened(blas, new int[][] {{20, 2100, 520}}, 1e-3);
    }

    @Test
    void otherKernelsRefuseABf16Tensor() {
        var be = new CpuBackend();
        Tensor h = be.toBf16(of(be, new float[8])), f = be.allocate(8);
        var e = assertThrows(IllegalArgumentException.class, () -> be.add(h, f, 8));
        assertTrue(e.getMessage().contains("bf16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> be.upload(new float[8], 0, h, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> be.matmul(false, false, 2, 2, 2, h, 0, f, 0, f, 0, false),
                "A must be fp32");
        assertThrows(IllegalArgumentException.class, () -> be.matmul(false, false, 2, 2, 2, f, 0, f, 0, h, 0, false),
                "C must be fp32");
    }
}
