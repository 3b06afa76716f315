package dev.deliberate.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM micro-kernel: an MR×NR tile of C (8 rows, 2 vectors of columns) kept in 16 vector registers while
 * kc rank-1 updates stream by, each one broadcast of packed A per row against the vector loads of packed B.
 * Written out by hand because the JIT keeps only named locals, not arrays of vectors, in registers; C is loaded
 * and stored inline since a helper call would hit C2's node-count inlining cutoff and box the accumulators.
 */
final class GemmKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int VL = F.length();
    /** Rows of the C tile held in registers. */
    static final int MR = 8;
    /** Columns of the C tile held in registers, a whole number of vectors. */
    static final int NR = 2 * VL;

    private GemmKernel() {}

    /**
     * {@code C[MR×NR] (+)= Apanel[kc×MR]ᵀ · Bpanel[kc×NR]}; A panel at {@code ap[ai..]} (MR floats per step),
     * B panel at {@code bp[bi..]} (NR floats per step), C tile at {@code c[ci..]} with row stride ldc.
     */
    static void tile(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(F, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(F, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(F, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(F, ap[ai + 6]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(F, ap[ai + 7]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c01 = c01.add(FloatVector.fromArray(F, c, ci + 0 * ldc + VL));
            c10 = c10.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, ci + 1 * ldc + VL));
            c20 = c20.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, ci + 2 * ldc + VL));
            c30 = c30.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, ci + 3 * ldc + VL));
            c40 = c40.add(FloatVector.fromArray(F, c, ci + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(F, c, ci + 4 * ldc + VL));
            c50 = c50.add(FloatVector.fromArray(F, c, ci + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(F, c, ci + 5 * ldc + VL));
            c60 = c60.add(FloatVector.fromArray(F, c, ci + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(F, c, ci + 6 * ldc + VL));
            c70 = c70.add(FloatVector.fromArray(F, c, ci + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(F, c, ci + 7 * ldc + VL));
        }
        c00.intoArray(c, ci + 0 * ldc);
        c01.intoArray(c, ci + 0 * ldc + VL);
        c10.intoArray(c, ci + 1 * ldc);
        c11.intoArray(c, ci + 1 * ldc + VL);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + VL);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + VL);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + VL);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + VL);
        c60.intoArray(c, ci + 6 * ldc);
        c61.intoArray(c, ci + 6 * ldc + VL);
        c70.intoArray(c, ci + 7 * ldc);
        c71.intoArray(c, ci + 7 * ldc + VL);
    }
}
