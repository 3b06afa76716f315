package dev.deliberate.engine.backend.cpu;

import static dev.deliberate.engine.backend.cpu.GemmKernel.F;
import static dev.deliberate.engine.backend.cpu.GemmKernel.VL;

import dev.deliberate.engine.backend.Bf16;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs blocks of op(A) and op(B) into the contiguous panel order {@link GemmKernel} reads, zero-padding the ragged
 * last panel so the kernel never branches on edges. Transposition and strides are absorbed here.
 */
final class GemmPack {
    /** 8 and 4 floats: one step (or a part of one) of a packed A panel. */
    private static final VectorSpecies<Float> ROW8 = VectorSpecies.of(float.class, VectorShape.forBitSize(8 * Float.SIZE)),
            ROW4 = VectorSpecies.of(float.class, VectorShape.forBitSize(4 * Float.SIZE));

    private GemmPack() {}

    /**
     * op(A) rows [ic, ic+mc) × depth [pc, pc+kc) → {@code ap} as ⌈mc/MR⌉ panels, each kc steps of MR floats
     * (panel q starts at {@code q·MR·kc}).
     */
    static void packA(int MR, boolean transA, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = ir * kc;
            if (transA) {
                // A is k×m: the MR values of one depth step are contiguous.
                int src = aOff + pc * lda + ic + ir;
                if (mr == MR && MR == 8) {
                    // One 8-lane vector per step: System.arraycopy costs a call per MR floats here.
                    for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                        FloatVector.fromArray(ROW8, a, src).intoArray(ap, dst);
                    }
                } else if (mr == MR && MR % 4 == 0) {
                    for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                        for (int r = 0; r < MR; r += 4) FloatVector.fromArray(ROW4, a, src + r).intoArray(ap, dst + r);
                    }
                } else if (mr == MR) {
                    for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                        for (int r = 0; r < MR; r++) ap[dst + r] = a[src + r];
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                        for (int r = 0; r < mr; r++) ap[dst + r] = a[src + r];
                        for (int r = mr; r < MR; r++) ap[dst + r] = 0f;
                    }
                }
            } else {
                // A is m×k: each of the MR rows is contiguous along the depth.
                interleave(a, aOff + (ic + ir) * lda + pc, lda, mr, kc, ap, dst, MR);
            }
        }
    }

    /**
     * op(A) rows [ic, ic+mc) × depth [pc, pc+kc) → {@code ap} as ⌈mc/MR⌉ row panels, each MR rows of kc contiguous
     * floats (panel q starts at {@code q·MR·kc}, its row r at {@code q·MR·kc + r·kc}; rows past mc are zero): the layout
     * the in-place-A kernels read with {@code lda = kc}.
     */
    static void packARows(int MR, boolean transA, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = ir * kc;
            if (transA) {
                // A is k×m: one depth step holds the mr values contiguously; each goes to its own row of the panel.
                int src = aOff + pc * lda + ic + ir;
                for (int p = 0; p < kc; p++, src += lda) {
                    for (int r = 0; r < mr; r++) ap[dst + r * kc + p] = a[src + r];
                }
            } else {
                for (int r = 0; r < mr; r++) System.arraycopy(a, aOff + (ic + ir + r) * lda + pc, ap, dst + r * kc, kc);
            }
            Arrays.fill(ap, dst + mr * kc, dst + MR * kc, 0f);
        }
    }

    /**
     * op(B) depth [pc, pc+kc) × columns [jc, jc+nc) → {@code bp} as ⌈nc/NR⌉ panels, each kc steps of NR floats
     * (the panel of columns jr.. starts at {@code jr·kc}); only panels [firstPanel, endPanel), so workers can share it.
     */
    static void packB(int NR, boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp,
                      int firstPanel, int endPanel) {
        for (int jr = firstPanel * NR; jr < Math.min(nc, endPanel * NR); jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = jr * kc;
            if (!transB) {
                // B is k×n: the NR values of one depth step are contiguous.
                int src = bOff + pc * ldb + jc + jr;
                if (nr == NR) {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int v = 0; v < NR; v += VL) FloatVector.fromArray(F, b, src + v).intoArray(bp, dst + v);
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        System.arraycopy(b, src, bp, dst, nr);
                        Arrays.fill(bp, dst + nr, dst + NR, 0f);
                    }
                }
            } else {
                // B is n×k (a weight [out, in]): each of the NR columns is a contiguous row.
                interleave(b, bOff + (jc + jr) * ldb + pc, ldb, nr, kc, bp, dst, NR);
            }
        }
    }

    /** {@link #packB} for B as a {@code float[]} or a bf16 {@code short[]}. */
    static void packB(int NR, boolean transB, Object b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp,
                      int firstPanel, int endPanel) {
        if (b instanceof short[] bh) packB(NR, transB, bh, bOff, ldb, pc, kc, jc, nc, bp, firstPanel, endPanel);
        else packB(NR, transB, (float[]) b, bOff, ldb, pc, kc, jc, nc, bp, firstPanel, endPanel);
    }

    /**
     * {@link #packB} with B held as bf16: each value is widened to fp32 as it is packed (the packed block is fp32, so
     * the micro-kernel and the result are those of an fp32 B holding the widened values).
     */
    static void packB(int NR, boolean transB, short[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp,
                      int firstPanel, int endPanel) {
        for (int jr = firstPanel * NR; jr < Math.min(nc, endPanel * NR); jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = jr * kc;
            if (!transB) {
                int src = bOff + pc * ldb + jc + jr;
                if (nr == NR) {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int v = 0; v < NR; v += VL) Bf16.widen(b, src + v).intoArray(bp, dst + v);
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int j = 0; j < nr; j++) bp[dst + j] = Bf16.toFloat(b[src + j]);
                        Arrays.fill(bp, dst + nr, dst + NR, 0f);
                    }
                }
            } else {
                int from = bOff + (jc + jr) * ldb + pc;
                for (int r = 0; r < nr; r++, from += ldb) {
                    for (int p = 0, d = dst + r; p < kc; p++, d += NR) bp[d] = Bf16.toFloat(b[from + p]);
                }
                for (int r = nr; r < NR; r++) {
                    for (int p = 0, d = dst + r; p < kc; p++, d += NR) bp[d] = 0f;
                }
            }
        }
    }

    /**
     * Transposes {@code rows} contiguous rows of length {@code len} (row stride {@code srcStride}) into {@code len}
     * steps of {@code width} floats, zero-filling the lanes past {@code rows}.
     */
    private static void interleave(float[] src, int srcOff, int srcStride, int rows, int len,
                                   float[] dst, int dstOff, int width) {
        for (int r = 0; r < rows; r++) {
            int from = srcOff + r * srcStride;
            for (int p = 0, d = dstOff + r; p < len; p++, d += width) dst[d] = src[from + p];
        }
        for (int r = rows; r < width; r++) {
            for (int p = 0, d = dstOff + r; p < len; p++, d += width) dst[d] = 0f;
        }
    }
}
