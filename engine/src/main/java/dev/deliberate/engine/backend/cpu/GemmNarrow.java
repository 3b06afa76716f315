package dev.deliberate.engine.backend.cpu;

import static dev.deliberate.engine.backend.cpu.GemmKernel.F;
import static dev.deliberate.engine.backend.cpu.GemmKernel.VL;

import dev.deliberate.engine.backend.Bf16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * GEMM for a handful of rows of C (decode: one token per sequence), which is bound by reading op(B) from memory.
 * Packing B would read it twice, so op(B) is streamed once, split by columns between the workers, while the few rows
 * of A stay in L1. For {@code transB} (a weight [out, in]) each output is a dot product along contiguous rows of B;
 * otherwise each row of C is a sum of rows of B scaled by A.
 */
final class GemmNarrow {
    /**
     * Rows of B (transB) or vectors of columns (otherwise) handled together: each A load feeds GROUP FMAs, and GROUP
     * independent accumulators cover the FMA latency (4 cycles × 2 units).
     */
    private static final int GROUP = 8;
    private static final int MIN_COLUMNS_PER_WORKER = 64;
    /** Multiply-adds a worker should get at least, so waking it pays off. */
    private static final long MIN_WORK_PER_WORKER = 1L << 15;

    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] HALVES = java.util.stream.IntStream
            .iterate(VL / 2, s -> s >= 1, s -> s / 2)
            .mapToObj(s -> VectorShuffle.iota(F, s, 1, true)).toArray(VectorShuffle[]::new);

    private static final ThreadLocal<float[][]> ROWS = ThreadLocal.withInitial(() -> new float[1][0]);

    private GemmNarrow() {}

    /** Copies op(A) of a transA call into contiguous rows once (m·k floats, small) so the loops read it with vector loads. */
    private static float[] rowsOf(int m, int k, float[] a, int aOff, int lda) {
        float[][] holder = ROWS.get();
        if (holder[0].length < m * k) holder[0] = new float[m * k];
        float[] rows = holder[0];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) rows[i * k + p] = a[aOff + p * lda + i];
        }
        return rows;
    }

    /** Per worker: B rows widened from bf16 for {@link #dotsBf16}. */
    private static final ThreadLocal<float[][]> WIDE = ThreadLocal.withInitial(() -> new float[1][0]);
    /** Floats of B widened at a time on the transB path: a few rows, so they stay in L1/L2 while A streams by. */
    private static final int WIDE_FLOATS = 1 << 14;

    /**
     * {@code C (+)= op(A)·op(B)} for a few rows, B a {@code float[]} or a bf16 {@code short[]}. With bf16, transB
     * (decode's {@code x·Wᵀ}): GROUP-sized runs of B's rows are widened into a per-worker buffer and fed to
     * {@link #dots}, the fp32 code itself; otherwise ({@code dy·W} on a few rows) each output is the same fma chain over
     * the depth as {@link #axpys} computes, with B widened in registers. Either way C is bit for bit the fp32 result on
     * the widened B.
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, Object b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        if (transA) {
            a = rowsOf(m, k, a, aOff, lda);
            aOff = 0;
            lda = k;
        }
        float[] ar = a;
        int arOff = aOff, ldar = lda;
        int grain = (int) Math.max(MIN_COLUMNS_PER_WORKER, MIN_WORK_PER_WORKER / Math.max(1L, (long) m * k));
        if (b instanceof short[] bh) {
            if (transB) Parallel.forRange(n, grain, (s, e) -> dotsBf16(m, s, e, k, ar, arOff, ldar, bh, bOff, ldb, c, cOff, ldc, accumulate));
            else Parallel.forRange(n, grain, (s, e) -> axpysBf16(m, s, e, k, ar, arOff, ldar, bh, bOff, ldb, c, cOff, ldc, accumulate));
        } else {
            float[] bf = (float[]) b;
            if (transB) Parallel.forRange(n, grain, (s, e) -> dots(m, s, e, k, ar, arOff, ldar, bf, bOff, ldb, c, cOff, ldc, accumulate));
            else Parallel.forRange(n, grain, (s, e) -> axpys(m, s, e, k, ar, arOff, ldar, bf, bOff, ldb, c, cOff, ldc, accumulate));
        }
    }

    private static void dotsBf16(int m, int j0, int j1, int k, float[] a, int aOff, int lda, short[] b, int bOff, int ldb,
                                 float[] c, int cOff, int ldc, boolean accumulate) {
        int run = Math.max(1, WIDE_FLOATS / Math.max(1, k) / GROUP) * GROUP;
        float[][] holder = WIDE.get();
        if (holder[0].length < run * k) holder[0] = new float[run * k];
        float[] w = holder[0];
        for (int j = j0; j < j1; j += run) {
            int rows = Math.min(run, j1 - j);
            for (int r = 0; r < rows; r++) Bf16.widen(b, bOff + (j + r) * ldb, w, r * k, k);
            dots(m, 0, rows, k, a, aOff, lda, w, 0, k, c, cOff + j, ldc, accumulate);
        }
    }

    /** C[i][j0..j1) (+)= Σ_p A[i,p] · B[p, j0..j1), B stored k×n as bf16: the fma chain of {@link #axpys}. */
    private static void axpysBf16(int m, int j0, int j1, int k, float[] a, int aOff, int lda, short[] b, int bOff, int ldb,
                                  float[] c, int cOff, int ldc, boolean accumulate) {
        int j = j0;
        for (; j + VL <= j1; j += VL) {
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                FloatVector s = FloatVector.zero(F);
                for (int p = 0, bi = bOff + j; p < k; p++, bi += ldb) {
                    s = FloatVector.broadcast(F, a[ai + p]).fma(Bf16.widen(b, bi), s);
                }
                put(c, cOff + i * ldc + j, s, accumulate);
            }
        }
        for (; j < j1; j++) {
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                float s = 0f;
                for (int p = 0, bi = bOff + j; p < k; p++, bi += ldb) s = Math.fma(a[ai + p], Bf16.toFloat(b[bi]), s);
                put(c, cOff + i * ldc + j, s, accumulate);
            }
        }
    }

    /** C[i][j] (+)= A[i,:] · B[j,:] for j in [j0, j1), B stored n×k. */
    private static void dots(int m, int j0, int j1, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        int kv = k - k % VL;
        int j = j0;
        for (; j + GROUP <= j1; j += GROUP) {
            int b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb, b4 = b3 + ldb, b5 = b4 + ldb, b6 = b5 + ldb, b7 = b6 + ldb;
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
                for (int p = 0; p < kv; p += VL) {
                    FloatVector av = FloatVector.fromArray(F, a, ai + p);
                    s0 = av.fma(FloatVector.fromArray(F, b, b0 + p), s0);
                    s1 = av.fma(FloatVector.fromArray(F, b, b1 + p), s1);
                    s2 = av.fma(FloatVector.fromArray(F, b, b2 + p), s2);
                    s3 = av.fma(FloatVector.fromArray(F, b, b3 + p), s3);
                    s4 = av.fma(FloatVector.fromArray(F, b, b4 + p), s4);
                    s5 = av.fma(FloatVector.fromArray(F, b, b5 + p), s5);
                    s6 = av.fma(FloatVector.fromArray(F, b, b6 + p), s6);
                    s7 = av.fma(FloatVector.fromArray(F, b, b7 + p), s7);
                }
                float d0 = sum(s0), d1 = sum(s1), d2 = sum(s2), d3 = sum(s3), d4 = sum(s4), d5 = sum(s5), d6 = sum(s6), d7 = sum(s7);
                for (int p = kv; p < k; p++) {
                    float av = a[ai + p];
                    d0 += av * b[b0 + p];
                    d1 += av * b[b1 + p];
                    d2 += av * b[b2 + p];
                    d3 += av * b[b3 + p];
                    d4 += av * b[b4 + p];
                    d5 += av * b[b5 + p];
                    d6 += av * b[b6 + p];
                    d7 += av * b[b7 + p];
                }
                int ci = cOff + i * ldc + j;
                put(c, ci, d0, accumulate);
                put(c, ci + 1, d1, accumulate);
                put(c, ci + 2, d2, accumulate);
                put(c, ci + 3, d3, accumulate);
                put(c, ci + 4, d4, accumulate);
                put(c, ci + 5, d5, accumulate);
                put(c, ci + 6, d6, accumulate);
                put(c, ci + 7, d7, accumulate);
            }
        }
        for (; j < j1; j++) {
            int bj = bOff + j * ldb;
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                FloatVector s = FloatVector.zero(F);
                for (int p = 0; p < kv; p += VL) {
                    s = FloatVector.fromArray(F, a, ai + p).fma(FloatVector.fromArray(F, b, bj + p), s);
                }
                float d = sum(s);
                for (int p = kv; p < k; p++) d += a[ai + p] * b[bj + p];
                put(c, cOff + i * ldc + j, d, accumulate);
            }
        }
    }

    /** C[i][j0..j1) (+)= Σ_p A[i,p] · B[p, j0..j1), B stored k×n. */
    private static void axpys(int m, int j0, int j1, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate) {
        int j = j0;
        for (; j + GROUP * VL <= j1; j += GROUP * VL) {
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
                for (int p = 0, bi = bOff + j; p < k; p++, bi += ldb) {
                    FloatVector av = FloatVector.broadcast(F, a[ai + p]);
                    s0 = av.fma(FloatVector.fromArray(F, b, bi), s0);
                    s1 = av.fma(FloatVector.fromArray(F, b, bi + VL), s1);
                    s2 = av.fma(FloatVector.fromArray(F, b, bi + 2 * VL), s2);
                    s3 = av.fma(FloatVector.fromArray(F, b, bi + 3 * VL), s3);
                    s4 = av.fma(FloatVector.fromArray(F, b, bi + 4 * VL), s4);
                    s5 = av.fma(FloatVector.fromArray(F, b, bi + 5 * VL), s5);
                    s6 = av.fma(FloatVector.fromArray(F, b, bi + 6 * VL), s6);
                    s7 = av.fma(FloatVector.fromArray(F, b, bi + 7 * VL), s7);
                }
                int ci = cOff + i * ldc + j;
                if (accumulate) {
                    s0 = s0.add(FloatVector.fromArray(F, c, ci));
                    s1 = s1.add(FloatVector.fromArray(F, c, ci + VL));
                    s2 = s2.add(FloatVector.fromArray(F, c, ci + 2 * VL));
                    s3 = s3.add(FloatVector.fromArray(F, c, ci + 3 * VL));
                    s4 = s4.add(FloatVector.fromArray(F, c, ci + 4 * VL));
                    s5 = s5.add(FloatVector.fromArray(F, c, ci + 5 * VL));
                    s6 = s6.add(FloatVector.fromArray(F, c, ci + 6 * VL));
                    s7 = s7.add(FloatVector.fromArray(F, c, ci + 7 * VL));
                }
                s0.intoArray(c, ci);
                s1.intoArray(c, ci + VL);
                s2.intoArray(c, ci + 2 * VL);
                s3.intoArray(c, ci + 3 * VL);
                s4.intoArray(c, ci + 4 * VL);
                s5.intoArray(c, ci + 5 * VL);
                s6.intoArray(c, ci + 6 * VL);
                s7.intoArray(c, ci + 7 * VL);
            }
        }
        for (; j + VL <= j1; j += VL) {
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                FloatVector s = FloatVector.zero(F);
                for (int p = 0, bi = bOff + j; p < k; p++, bi += ldb) {
                    s = FloatVector.broadcast(F, a[ai + p]).fma(FloatVector.fromArray(F, b, bi), s);
                }
                put(c, cOff + i * ldc + j, s, accumulate);
            }
        }
        for (; j < j1; j++) {
            for (int i = 0; i < m; i++) {
                int ai = aOff + i * lda;
                float s = 0f;
                for (int p = 0, bi = bOff + j; p < k; p++, bi += ldb) s = Math.fma(a[ai + p], b[bi], s);
                put(c, cOff + i * ldc + j, s, accumulate);
            }
        }
    }

    /**
     * Sum of the lanes by a fixed halving tree. {@code reduceLanes(ADD)} leaves the order open, and the interpreter
     * and the JIT-compiled intrinsic do differ, which would make a result depend on how warm the JVM is.
     */
    private static float sum(FloatVector v) {
        for (VectorShuffle<Float> half : HALVES) v = v.add(v.rearrange(half));
        return v.lane(0);
    }

    private static void put(float[] c, int ci, float v, boolean accumulate) {
        c[ci] = accumulate ? c[ci] + v : v;
    }

    private static void put(float[] c, int ci, FloatVector v, boolean accumulate) {
        if (accumulate) v = v.add(FloatVector.fromArray(F, c, ci));
        v.intoArray(c, ci);
    }
}
