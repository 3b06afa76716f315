package dev.deliberate.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * General matrix multiply on row-major float arrays, the engine's hot loop:
 * {@code C[m×n] (+)= op(A)[m×k] · op(B)[k×n]}, where {@code op(X)} is X or its transpose.
 *
 * <p>Storage: A is {@code m×k} with row stride {@code lda} (or {@code k×m} when {@code transA}); B is {@code k×n}
 * with row stride {@code ldb} (or {@code n×k} when {@code transB}); C is {@code m×n} with row stride {@code ldc}.
 * A linear layer {@code y = x·Wᵀ} (HF stores W as [out, in]) is {@code gemm(false, true, …)}; its input gradient
 * {@code dx = dy·W} is {@code gemm(false, false, …)}; its weight gradient {@code dW += dyᵀ·x} is
 * {@code gemm(true, false, …, accumulate=true)}.
 *
 * <p>Design (BLIS, Van Zee &amp; van de Geijn 2015, with the roles of A and B mirrored for row-major C): C is split
 * between the {@link Parallel} workers along its longer side; each worker walks its part in {@code NC×KC} blocks of
 * op(B) packed into {@code KC×NR} column panels and {@code MC×KC} blocks of op(A) packed into {@code MR×KC} row
 * panels, and a register-blocked micro-kernel ({@link GemmKernel}) keeps an {@code MR×NR} tile of C in vector
 * registers while it streams one A panel (broadcasts) against one B panel (vector loads) held in L1. Packing absorbs
 * the four transpose cases and the strides, so one kernel serves them all. Tiny m (decode) skips packing and streams
 * op(B) once ({@link GemmNarrow}). Every element of C is summed in the same order whatever the thread count, so
 * results are bit-identical from run to run.
 */
public final class Gemm {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int VL = F.length();
    /** Rows of the C tile held in registers. */
    static final int MR = GemmKernel.MR;
    /** Columns of the C tile held in registers: two vectors. */
    static final int NR = GemmKernel.NR;
    /** Depth of one packed block: a KC×NR panel of B (32 KiB at 512 bits) stays in L1 while A panels stream by. */
    static final int KC = 256;
    /** Rows of one packed block of A: MC×KC floats (192 KiB) stay in L2. */
    static final int MC = 192;
    /** Columns of one packed block of B. */
    static final int NC = 2048;
    /** Up to this many rows of C, the narrow path streams op(B) once instead of packing it. */
    static final int NARROW_M = 8;
    /** Multiply-adds below which a call stays on the calling thread. */
    private static final long MIN_PARALLEL_WORK = 1L << 17;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {
            new float[MC * KC], new float[KC * NC], new float[MR * NR]});

    private Gemm() {}

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc,
                            boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
            return;
        }
        if (m <= NARROW_M) {
            GemmNarrow.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        long work = (long) m * n * k;
        if (m >= n) {
            int blocks = (m + MR - 1) / MR;
            int grain = (int) Math.max(1, Math.min(blocks, MIN_PARALLEL_WORK / ((long) MR * n * k)));
            Parallel.forRange(blocks, work < MIN_PARALLEL_WORK ? blocks : grain, (s, e) ->
                    blocked(transA, transB, s * MR, Math.min(m, e * MR), 0, n, k,
                            a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        } else {
            int blocks = (n + NR - 1) / NR;
            int grain = (int) Math.max(1, Math.min(blocks, MIN_PARALLEL_WORK / ((long) NR * m * k)));
            Parallel.forRange(blocks, work < MIN_PARALLEL_WORK ? blocks : grain, (s, e) ->
                    blocked(transA, transB, 0, m, s * NR, Math.min(n, e * NR), k,
                            a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        }
    }

    /** One worker's rectangle of C, rows [i0, i1) and columns [j0, j1), over the whole depth k. */
    private static void blocked(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float[] c, int cOff, int ldc, boolean accumulate) {
        float[][] scratch = SCRATCH.get();
        float[] ap = scratch[0], bp = scratch[1], tile = scratch[2];
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                GemmPack.packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                boolean add = accumulate || pc > 0;
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    GemmPack.packA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bpOff = jr * kc;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int ci = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                GemmKernel.tile(ap, ir * kc, bp, bpOff, kc, c, ci, ldc, add);
                            } else {
                                GemmKernel.tile(ap, ir * kc, bp, bpOff, kc, tile, 0, NR, false);
                                for (int r = 0; r < mr; r++) {
                                    int row = ci + r * ldc;
                                    for (int j = 0; j < nr; j++) {
                                        c[row + j] = add ? c[row + j] + tile[r * NR + j] : tile[r * NR + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
