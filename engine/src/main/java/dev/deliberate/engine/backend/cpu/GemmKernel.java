package dev.deliberate.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.List;
import java.util.Locale;

/**
 * The GEMM micro-kernels: an MR×NR tile of C (MR rows, a whole number of vectors of columns) kept in vector registers
 * while kc rank-1 updates stream by, each one broadcast of packed A per row against the vector loads of packed B.
 * The shape is chosen from the register file (BLIS's rule, Van Zee &amp; van de Geijn 2015: accumulators + B vectors +
 * one broadcast must fit, or the hot loop spills): 16 registers (AVX2, 256-bit) take 6×2 vectors (15 live), 4×3
 * (16) or 4×2 (11); 32 registers (AVX-512) take 12×2 (27 live), 8×2 or 6×4. Each shape is written out by hand because the JIT
 * keeps only named locals, not arrays of vectors, in registers; C is loaded and stored inline since a helper call would
 * hit C2's node-count inlining cutoff and box the accumulators. Every shape sums each element of C over the depth in
 * the same order, so the choice changes speed, never bits.
 */
final class GemmKernel {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int VL = F.length();

    /** A micro-kernel shape: {@code mr} rows × {@code nrVectors} vectors of columns. */
    record Shape(String name, int mr, int nrVectors) {
        /** Columns of the tile. */
        int nr() {
            return nrVectors * VL;
        }

        /** Live vector registers in the hot loop. */
        int registers() {
            return mr * nrVectors + nrVectors + 1;
        }

        /** Whether this shape has a kernel that reads A in place (row-major along the depth), so A need not be packed. */
        boolean readsAInPlace() {
            return (mr == 12 || mr == 6 || mr == 4) && nrVectors == 2;
        }

        /** The tile with A read in place: row r at {@code a[ai + r·lda + p]}; only where {@link #readsAInPlace()}. */
        void tileDirect(float[] a, int ai, int lda, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
            if (mr == 12) tile12x2Direct(a, ai, lda, bp, bi, kc, c, ci, ldc, add);
            else if (mr == 6) tile6x2Direct(a, ai, lda, bp, bi, kc, c, ci, ldc, add);
            else if (mr == 4) tile4x2Direct(a, ai, lda, bp, bi, kc, c, ci, ldc, add);
            else throw new IllegalStateException("no in-place-A micro-kernel " + name);
        }

        void tile(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
            switch (mr * 10 + nrVectors) { // an int switch: this runs once per tile
                case 62 -> tile6x2(ap, ai, bp, bi, kc, c, ci, ldc, add);
                case 42 -> tile4x2(ap, ai, bp, bi, kc, c, ci, ldc, add);
                case 43 -> tile4x3(ap, ai, bp, bi, kc, c, ci, ldc, add);
                case 82 -> tile8x2(ap, ai, bp, bi, kc, c, ci, ldc, add);
                case 122 -> tile12x2(ap, ai, bp, bi, kc, c, ci, ldc, add);
                case 64 -> tile6x4(ap, ai, bp, bi, kc, c, ci, ldc, add);
                default -> throw new IllegalStateException("no micro-kernel " + name);
            }
        }
    }

    static final Shape S6X2 = new Shape("6x2", 6, 2), S4X3 = new Shape("4x3", 4, 3), S4X2 = new Shape("4x2", 4, 2),
            S8X2 = new Shape("8x2", 8, 2), S12X2 = new Shape("12x2", 12, 2), S6X4 = new Shape("6x4", 6, 4);
    /** Every shape, so tests can force each one on any machine. */
    static final List<Shape> ALL = List.of(S6X2, S4X3, S4X2, S8X2, S12X2, S6X4);
    /** The largest MR and NR of any shape, for sizing scratch buffers. */
    static final int MAX_MR = 12, MAX_NR = 4 * VL;

    /** Vector registers of this ISA: 32 with 512-bit vectors (AVX-512), else 16 (AVX2, SSE, NEON has 32 but 128-bit). */
    static int vectorRegisters() {
        return F.vectorBitSize() >= 512 ? 32 : 16;
    }

    /**
     * The shape for this machine: the system property {@code deliberate.gemm.kernel} (or {@code DELIBERATE_GEMM_KERNEL})
     * names one of {@link #ALL}; otherwise 12×2 with 32 registers, and with 16 registers 6×2 — or 4×2 where this JVM
     * runs without loop strip mining ({@link #loopStripMining()}): there C2 hoisted all six of 6×2's A broadcasts
     * above the FMAs, 20 live values in 16 registers, and the spilled kernel ran at half speed (tiny train on the
     * AVX2 path, 2,188 against 4,808 tok/s); 4×2 holds at most 14 whatever the order.
     */
    static Shape chooseShape() {
        String forced = System.getProperty("deliberate.gemm.kernel", System.getenv("DELIBERATE_GEMM_KERNEL"));
        if (forced != null && !forced.isBlank()) {
            String f = forced.trim().toLowerCase(Locale.ROOT);
            for (Shape s : ALL) if (s.name().equals(f)) return s;
            throw new IllegalArgumentException("deliberate.gemm.kernel='" + forced + "' is not one of "
                    + ALL.stream().map(Shape::name).toList());
        }
        if (vectorRegisters() >= 32) return S12X2;
        return loopStripMining() ? S6X2 : S4X2;
    }

    /**
     * Whether C2 strip-mines counted loops here ({@code UseCountedLoopSafepoints} and {@code LoopStripMiningIter > 0}):
     * G1 and ZGC do by default, Parallel and Serial GC (the JVM's choice on a small machine or container) do not,
     * unless given {@code -XX:+UseCountedLoopSafepoints -XX:LoopStripMiningIter=1000} as the launchers are. True where
     * the JVM does not say, which keeps the faster shape.
     */
    static boolean loopStripMining() {
        try {
            var vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return Boolean.parseBoolean(vm.getVMOption("UseCountedLoopSafepoints").getValue())
                    && Long.parseLong(vm.getVMOption("LoopStripMiningIter").getValue()) > 0;
        } catch (RuntimeException | LinkageError notHotSpot) {
            return true;
        }
    }

    /** The shape {@link Gemm} uses. */
    static final Shape DEFAULT = chooseShape();

    private GemmKernel() {}

    /** The 6×2-vector tile: 12 accumulators + 2 B vectors + 1 broadcast = 15 live vector registers. */
    static void tile6x2(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ai += 6, bi += 2 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL);
            FloatVector a;
            a = FloatVector.broadcast(F, ap[ai + 0]); c0_0 = a.fma(b0, c0_0); c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ai + 1]); c1_0 = a.fma(b0, c1_0); c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ai + 2]); c2_0 = a.fma(b0, c2_0); c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ai + 3]); c3_0 = a.fma(b0, c3_0); c3_1 = a.fma(b1, c3_1);
            a = FloatVector.broadcast(F, ap[ai + 4]); c4_0 = a.fma(b0, c4_0); c4_1 = a.fma(b1, c4_1);
            a = FloatVector.broadcast(F, ap[ai + 5]); c5_0 = a.fma(b0, c5_0); c5_1 = a.fma(b1, c5_1);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
            c4_0 = c4_0.add(FloatVector.fromArray(F, c, ci + 4 * ldc));
            c4_1 = c4_1.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 1 * VL));
            c5_0 = c5_0.add(FloatVector.fromArray(F, c, ci + 5 * ldc));
            c5_1 = c5_1.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 1 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
        c4_0.intoArray(c, ci + 4 * ldc);
        c4_1.intoArray(c, ci + 4 * ldc + 1 * VL);
        c5_0.intoArray(c, ci + 5 * ldc);
        c5_1.intoArray(c, ci + 5 * ldc + 1 * VL);
    }

    /**
     * The 4×2-vector tile: 8 accumulators + 2 B vectors + 1 broadcast = 11 live vector registers, 14 if C2 hoists all
     * four broadcasts — within 16 either way. Slower than 6×2 at the core's peak, but it does not spill whatever order
     * C2 picks: the 16-register default where a JVM runs without loop strip mining ({@link #chooseShape()}).
     */
    static void tile4x2(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ai += 4, bi += 2 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL);
            FloatVector a;
            a = FloatVector.broadcast(F, ap[ai + 0]); c0_0 = a.fma(b0, c0_0); c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ai + 1]); c1_0 = a.fma(b0, c1_0); c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ai + 2]); c2_0 = a.fma(b0, c2_0); c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ai + 3]); c3_0 = a.fma(b0, c3_0); c3_1 = a.fma(b1, c3_1);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
    }

    /** The 4×3-vector tile: 12 accumulators + 3 B vectors + 1 broadcast = 16 live vector registers. */
    static void tile4x3(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F), c0_2 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F), c1_2 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F), c2_2 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F), c3_2 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ai += 4, bi += 3 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL), b2 = FloatVector.fromArray(F, bp, bi + 2 * VL);
            FloatVector a;
            a = FloatVector.broadcast(F, ap[ai + 0]); c0_0 = a.fma(b0, c0_0); c0_1 = a.fma(b1, c0_1); c0_2 = a.fma(b2, c0_2);
            a = FloatVector.broadcast(F, ap[ai + 1]); c1_0 = a.fma(b0, c1_0); c1_1 = a.fma(b1, c1_1); c1_2 = a.fma(b2, c1_2);
            a = FloatVector.broadcast(F, ap[ai + 2]); c2_0 = a.fma(b0, c2_0); c2_1 = a.fma(b1, c2_1); c2_2 = a.fma(b2, c2_2);
            a = FloatVector.broadcast(F, ap[ai + 3]); c3_0 = a.fma(b0, c3_0); c3_1 = a.fma(b1, c3_1); c3_2 = a.fma(b2, c3_2);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c0_2 = c0_2.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 2 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c1_2 = c1_2.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 2 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c2_2 = c2_2.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 2 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
            c3_2 = c3_2.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 2 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c0_2.intoArray(c, ci + 0 * ldc + 2 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c1_2.intoArray(c, ci + 1 * ldc + 2 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c2_2.intoArray(c, ci + 2 * ldc + 2 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
        c3_2.intoArray(c, ci + 3 * ldc + 2 * VL);
    }

    /** The 8×2-vector tile: 16 accumulators + 2 B vectors + 1 broadcast = 19 live vector registers. */
    static void tile8x2(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ai += 8, bi += 2 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL);
            FloatVector a;
            a = FloatVector.broadcast(F, ap[ai + 0]); c0_0 = a.fma(b0, c0_0); c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ai + 1]); c1_0 = a.fma(b0, c1_0); c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ai + 2]); c2_0 = a.fma(b0, c2_0); c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ai + 3]); c3_0 = a.fma(b0, c3_0); c3_1 = a.fma(b1, c3_1);
            a = FloatVector.broadcast(F, ap[ai + 4]); c4_0 = a.fma(b0, c4_0); c4_1 = a.fma(b1, c4_1);
            a = FloatVector.broadcast(F, ap[ai + 5]); c5_0 = a.fma(b0, c5_0); c5_1 = a.fma(b1, c5_1);
            a = FloatVector.broadcast(F, ap[ai + 6]); c6_0 = a.fma(b0, c6_0); c6_1 = a.fma(b1, c6_1);
            a = FloatVector.broadcast(F, ap[ai + 7]); c7_0 = a.fma(b0, c7_0); c7_1 = a.fma(b1, c7_1);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
            c4_0 = c4_0.add(FloatVector.fromArray(F, c, ci + 4 * ldc));
            c4_1 = c4_1.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 1 * VL));
            c5_0 = c5_0.add(FloatVector.fromArray(F, c, ci + 5 * ldc));
            c5_1 = c5_1.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 1 * VL));
            c6_0 = c6_0.add(FloatVector.fromArray(F, c, ci + 6 * ldc));
            c6_1 = c6_1.add(FloatVector.fromArray(F, c, ci + 6 * ldc + 1 * VL));
            c7_0 = c7_0.add(FloatVector.fromArray(F, c, ci + 7 * ldc));
            c7_1 = c7_1.add(FloatVector.fromArray(F, c, ci + 7 * ldc + 1 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
        c4_0.intoArray(c, ci + 4 * ldc);
        c4_1.intoArray(c, ci + 4 * ldc + 1 * VL);
        c5_0.intoArray(c, ci + 5 * ldc);
        c5_1.intoArray(c, ci + 5 * ldc + 1 * VL);
        c6_0.intoArray(c, ci + 6 * ldc);
        c6_1.intoArray(c, ci + 6 * ldc + 1 * VL);
        c7_0.intoArray(c, ci + 7 * ldc);
        c7_1.intoArray(c, ci + 7 * ldc + 1 * VL);
    }

    /** The 12×2-vector tile: 24 accumulators + 2 B vectors + 1 broadcast = 27 live vector registers. */
    static void tile12x2(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        FloatVector c8_0 = FloatVector.zero(F), c8_1 = FloatVector.zero(F);
        FloatVector c9_0 = FloatVector.zero(F), c9_1 = FloatVector.zero(F);
        FloatVector c10_0 = FloatVector.zero(F), c10_1 = FloatVector.zero(F);
        FloatVector c11_0 = FloatVector.zero(F), c11_1 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ai += 12, bi += 2 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL);
            FloatVector a;
            a = FloatVector.broadcast(F, ap[ai + 0]); c0_0 = a.fma(b0, c0_0); c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ai + 1]); c1_0 = a.fma(b0, c1_0); c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ai + 2]); c2_0 = a.fma(b0, c2_0); c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ai + 3]); c3_0 = a.fma(b0, c3_0); c3_1 = a.fma(b1, c3_1);
            a = FloatVector.broadcast(F, ap[ai + 4]); c4_0 = a.fma(b0, c4_0); c4_1 = a.fma(b1, c4_1);
            a = FloatVector.broadcast(F, ap[ai + 5]); c5_0 = a.fma(b0, c5_0); c5_1 = a.fma(b1, c5_1);
            a = FloatVector.broadcast(F, ap[ai + 6]); c6_0 = a.fma(b0, c6_0); c6_1 = a.fma(b1, c6_1);
            a = FloatVector.broadcast(F, ap[ai + 7]); c7_0 = a.fma(b0, c7_0); c7_1 = a.fma(b1, c7_1);
            a = FloatVector.broadcast(F, ap[ai + 8]); c8_0 = a.fma(b0, c8_0); c8_1 = a.fma(b1, c8_1);
            a = FloatVector.broadcast(F, ap[ai + 9]); c9_0 = a.fma(b0, c9_0); c9_1 = a.fma(b1, c9_1);
            a = FloatVector.broadcast(F, ap[ai + 10]); c10_0 = a.fma(b0, c10_0); c10_1 = a.fma(b1, c10_1);
            a = FloatVector.broadcast(F, ap[ai + 11]); c11_0 = a.fma(b0, c11_0); c11_1 = a.fma(b1, c11_1);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
            c4_0 = c4_0.add(FloatVector.fromArray(F, c, ci + 4 * ldc));
            c4_1 = c4_1.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 1 * VL));
            c5_0 = c5_0.add(FloatVector.fromArray(F, c, ci + 5 * ldc));
            c5_1 = c5_1.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 1 * VL));
            c6_0 = c6_0.add(FloatVector.fromArray(F, c, ci + 6 * ldc));
            c6_1 = c6_1.add(FloatVector.fromArray(F, c, ci + 6 * ldc + 1 * VL));
            c7_0 = c7_0.add(FloatVector.fromArray(F, c, ci + 7 * ldc));
            c7_1 = c7_1.add(FloatVector.fromArray(F, c, ci + 7 * ldc + 1 * VL));
            c8_0 = c8_0.add(FloatVector.fromArray(F, c, ci + 8 * ldc));
            c8_1 = c8_1.add(FloatVector.fromArray(F, c, ci + 8 * ldc + 1 * VL));
            c9_0 = c9_0.add(FloatVector.fromArray(F, c, ci + 9 * ldc));
            c9_1 = c9_1.add(FloatVector.fromArray(F, c, ci + 9 * ldc + 1 * VL));
            c10_0 = c10_0.add(FloatVector.fromArray(F, c, ci + 10 * ldc));
            c10_1 = c10_1.add(FloatVector.fromArray(F, c, ci + 10 * ldc + 1 * VL));
            c11_0 = c11_0.add(FloatVector.fromArray(F, c, ci + 11 * ldc));
            c11_1 = c11_1.add(FloatVector.fromArray(F, c, ci + 11 * ldc + 1 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
        c4_0.intoArray(c, ci + 4 * ldc);
        c4_1.intoArray(c, ci + 4 * ldc + 1 * VL);
        c5_0.intoArray(c, ci + 5 * ldc);
        c5_1.intoArray(c, ci + 5 * ldc + 1 * VL);
        c6_0.intoArray(c, ci + 6 * ldc);
        c6_1.intoArray(c, ci + 6 * ldc + 1 * VL);
        c7_0.intoArray(c, ci + 7 * ldc);
        c7_1.intoArray(c, ci + 7 * ldc + 1 * VL);
        c8_0.intoArray(c, ci + 8 * ldc);
        c8_1.intoArray(c, ci + 8 * ldc + 1 * VL);
        c9_0.intoArray(c, ci + 9 * ldc);
        c9_1.intoArray(c, ci + 9 * ldc + 1 * VL);
        c10_0.intoArray(c, ci + 10 * ldc);
        c10_1.intoArray(c, ci + 10 * ldc + 1 * VL);
        c11_0.intoArray(c, ci + 11 * ldc);
        c11_1.intoArray(c, ci + 11 * ldc + 1 * VL);
    }

    /** The 6×4-vector tile: 24 accumulators + 4 B vectors + 1 broadcast = 29 live vector registers. */
    static void tile6x4(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F), c0_2 = FloatVector.zero(F), c0_3 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F), c1_2 = FloatVector.zero(F), c1_3 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F), c2_2 = FloatVector.zero(F), c2_3 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F), c3_2 = FloatVector.zero(F), c3_3 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F), c4_2 = FloatVector.zero(F), c4_3 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F), c5_2 = FloatVector.zero(F), c5_3 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ai += 6, bi += 4 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL), b2 = FloatVector.fromArray(F, bp, bi + 2 * VL), b3 = FloatVector.fromArray(F, bp, bi + 3 * VL);
            FloatVector a;
            a = FloatVector.broadcast(F, ap[ai + 0]); c0_0 = a.fma(b0, c0_0); c0_1 = a.fma(b1, c0_1); c0_2 = a.fma(b2, c0_2); c0_3 = a.fma(b3, c0_3);
            a = FloatVector.broadcast(F, ap[ai + 1]); c1_0 = a.fma(b0, c1_0); c1_1 = a.fma(b1, c1_1); c1_2 = a.fma(b2, c1_2); c1_3 = a.fma(b3, c1_3);
            a = FloatVector.broadcast(F, ap[ai + 2]); c2_0 = a.fma(b0, c2_0); c2_1 = a.fma(b1, c2_1); c2_2 = a.fma(b2, c2_2); c2_3 = a.fma(b3, c2_3);
            a = FloatVector.broadcast(F, ap[ai + 3]); c3_0 = a.fma(b0, c3_0); c3_1 = a.fma(b1, c3_1); c3_2 = a.fma(b2, c3_2); c3_3 = a.fma(b3, c3_3);
            a = FloatVector.broadcast(F, ap[ai + 4]); c4_0 = a.fma(b0, c4_0); c4_1 = a.fma(b1, c4_1); c4_2 = a.fma(b2, c4_2); c4_3 = a.fma(b3, c4_3);
            a = FloatVector.broadcast(F, ap[ai + 5]); c5_0 = a.fma(b0, c5_0); c5_1 = a.fma(b1, c5_1); c5_2 = a.fma(b2, c5_2); c5_3 = a.fma(b3, c5_3);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c0_2 = c0_2.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 2 * VL));
            c0_3 = c0_3.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 3 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c1_2 = c1_2.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 2 * VL));
            c1_3 = c1_3.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 3 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c2_2 = c2_2.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 2 * VL));
            c2_3 = c2_3.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 3 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
            c3_2 = c3_2.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 2 * VL));
            c3_3 = c3_3.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 3 * VL));
            c4_0 = c4_0.add(FloatVector.fromArray(F, c, ci + 4 * ldc));
            c4_1 = c4_1.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 1 * VL));
            c4_2 = c4_2.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 2 * VL));
            c4_3 = c4_3.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 3 * VL));
            c5_0 = c5_0.add(FloatVector.fromArray(F, c, ci + 5 * ldc));
            c5_1 = c5_1.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 1 * VL));
            c5_2 = c5_2.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 2 * VL));
            c5_3 = c5_3.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 3 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c0_2.intoArray(c, ci + 0 * ldc + 2 * VL);
        c0_3.intoArray(c, ci + 0 * ldc + 3 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c1_2.intoArray(c, ci + 1 * ldc + 2 * VL);
        c1_3.intoArray(c, ci + 1 * ldc + 3 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c2_2.intoArray(c, ci + 2 * ldc + 2 * VL);
        c2_3.intoArray(c, ci + 2 * ldc + 3 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
        c3_2.intoArray(c, ci + 3 * ldc + 2 * VL);
        c3_3.intoArray(c, ci + 3 * ldc + 3 * VL);
        c4_0.intoArray(c, ci + 4 * ldc);
        c4_1.intoArray(c, ci + 4 * ldc + 1 * VL);
        c4_2.intoArray(c, ci + 4 * ldc + 2 * VL);
        c4_3.intoArray(c, ci + 4 * ldc + 3 * VL);
        c5_0.intoArray(c, ci + 5 * ldc);
        c5_1.intoArray(c, ci + 5 * ldc + 1 * VL);
        c5_2.intoArray(c, ci + 5 * ldc + 2 * VL);
        c5_3.intoArray(c, ci + 5 * ldc + 3 * VL);
    }

    /** {@link #tile6x2} reading A unpacked: row r of the tile at {@code a[ai + r·lda + p]} (A row-major along the depth). */
    static void tile6x2Direct(float[] a, int ai, int lda, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        int a0 = ai + 0 * lda, a1 = ai + 1 * lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda;
        for (int p = 0; p < kc; p++, bi += 2 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL);
            FloatVector x;
            x = FloatVector.broadcast(F, a[a0 + p]); c0_0 = x.fma(b0, c0_0); c0_1 = x.fma(b1, c0_1);
            x = FloatVector.broadcast(F, a[a1 + p]); c1_0 = x.fma(b0, c1_0); c1_1 = x.fma(b1, c1_1);
            x = FloatVector.broadcast(F, a[a2 + p]); c2_0 = x.fma(b0, c2_0); c2_1 = x.fma(b1, c2_1);
            x = FloatVector.broadcast(F, a[a3 + p]); c3_0 = x.fma(b0, c3_0); c3_1 = x.fma(b1, c3_1);
            x = FloatVector.broadcast(F, a[a4 + p]); c4_0 = x.fma(b0, c4_0); c4_1 = x.fma(b1, c4_1);
            x = FloatVector.broadcast(F, a[a5 + p]); c5_0 = x.fma(b0, c5_0); c5_1 = x.fma(b1, c5_1);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
            c4_0 = c4_0.add(FloatVector.fromArray(F, c, ci + 4 * ldc));
            c4_1 = c4_1.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 1 * VL));
            c5_0 = c5_0.add(FloatVector.fromArray(F, c, ci + 5 * ldc));
            c5_1 = c5_1.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 1 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
        c4_0.intoArray(c, ci + 4 * ldc);
        c4_1.intoArray(c, ci + 4 * ldc + 1 * VL);
        c5_0.intoArray(c, ci + 5 * ldc);
        c5_1.intoArray(c, ci + 5 * ldc + 1 * VL);
    }

    /** {@link #tile4x2} reading A unpacked: row r of the tile at {@code a[ai + r·lda + p]} (A row-major along the depth). */
    static void tile4x2Direct(float[] a, int ai, int lda, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        int a0 = ai + 0 * lda, a1 = ai + 1 * lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda;
        for (int p = 0; p < kc; p++, bi += 2 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL);
            FloatVector x;
            x = FloatVector.broadcast(F, a[a0 + p]); c0_0 = x.fma(b0, c0_0); c0_1 = x.fma(b1, c0_1);
            x = FloatVector.broadcast(F, a[a1 + p]); c1_0 = x.fma(b0, c1_0); c1_1 = x.fma(b1, c1_1);
            x = FloatVector.broadcast(F, a[a2 + p]); c2_0 = x.fma(b0, c2_0); c2_1 = x.fma(b1, c2_1);
            x = FloatVector.broadcast(F, a[a3 + p]); c3_0 = x.fma(b0, c3_0); c3_1 = x.fma(b1, c3_1);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
    }

    /** {@link #tile12x2} reading A unpacked: row r of the tile at {@code a[ai + r·lda + p]} (A row-major along the depth). */
    static void tile12x2Direct(float[] a, int ai, int lda, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        FloatVector c8_0 = FloatVector.zero(F), c8_1 = FloatVector.zero(F);
        FloatVector c9_0 = FloatVector.zero(F), c9_1 = FloatVector.zero(F);
        FloatVector c10_0 = FloatVector.zero(F), c10_1 = FloatVector.zero(F);
        FloatVector c11_0 = FloatVector.zero(F), c11_1 = FloatVector.zero(F);
        int a0 = ai + 0 * lda, a1 = ai + 1 * lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda, a6 = ai + 6 * lda, a7 = ai + 7 * lda, a8 = ai + 8 * lda, a9 = ai + 9 * lda, a10 = ai + 10 * lda, a11 = ai + 11 * lda;
        for (int p = 0; p < kc; p++, bi += 2 * VL) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi), b1 = FloatVector.fromArray(F, bp, bi + 1 * VL);
            FloatVector x;
            x = FloatVector.broadcast(F, a[a0 + p]); c0_0 = x.fma(b0, c0_0); c0_1 = x.fma(b1, c0_1);
            x = FloatVector.broadcast(F, a[a1 + p]); c1_0 = x.fma(b0, c1_0); c1_1 = x.fma(b1, c1_1);
            x = FloatVector.broadcast(F, a[a2 + p]); c2_0 = x.fma(b0, c2_0); c2_1 = x.fma(b1, c2_1);
            x = FloatVector.broadcast(F, a[a3 + p]); c3_0 = x.fma(b0, c3_0); c3_1 = x.fma(b1, c3_1);
            x = FloatVector.broadcast(F, a[a4 + p]); c4_0 = x.fma(b0, c4_0); c4_1 = x.fma(b1, c4_1);
            x = FloatVector.broadcast(F, a[a5 + p]); c5_0 = x.fma(b0, c5_0); c5_1 = x.fma(b1, c5_1);
            x = FloatVector.broadcast(F, a[a6 + p]); c6_0 = x.fma(b0, c6_0); c6_1 = x.fma(b1, c6_1);
            x = FloatVector.broadcast(F, a[a7 + p]); c7_0 = x.fma(b0, c7_0); c7_1 = x.fma(b1, c7_1);
            x = FloatVector.broadcast(F, a[a8 + p]); c8_0 = x.fma(b0, c8_0); c8_1 = x.fma(b1, c8_1);
            x = FloatVector.broadcast(F, a[a9 + p]); c9_0 = x.fma(b0, c9_0); c9_1 = x.fma(b1, c9_1);
            x = FloatVector.broadcast(F, a[a10 + p]); c10_0 = x.fma(b0, c10_0); c10_1 = x.fma(b1, c10_1);
            x = FloatVector.broadcast(F, a[a11 + p]); c11_0 = x.fma(b0, c11_0); c11_1 = x.fma(b1, c11_1);
        }
        if (add) {
            c0_0 = c0_0.add(FloatVector.fromArray(F, c, ci + 0 * ldc));
            c0_1 = c0_1.add(FloatVector.fromArray(F, c, ci + 0 * ldc + 1 * VL));
            c1_0 = c1_0.add(FloatVector.fromArray(F, c, ci + 1 * ldc));
            c1_1 = c1_1.add(FloatVector.fromArray(F, c, ci + 1 * ldc + 1 * VL));
            c2_0 = c2_0.add(FloatVector.fromArray(F, c, ci + 2 * ldc));
            c2_1 = c2_1.add(FloatVector.fromArray(F, c, ci + 2 * ldc + 1 * VL));
            c3_0 = c3_0.add(FloatVector.fromArray(F, c, ci + 3 * ldc));
            c3_1 = c3_1.add(FloatVector.fromArray(F, c, ci + 3 * ldc + 1 * VL));
            c4_0 = c4_0.add(FloatVector.fromArray(F, c, ci + 4 * ldc));
            c4_1 = c4_1.add(FloatVector.fromArray(F, c, ci + 4 * ldc + 1 * VL));
            c5_0 = c5_0.add(FloatVector.fromArray(F, c, ci + 5 * ldc));
            c5_1 = c5_1.add(FloatVector.fromArray(F, c, ci + 5 * ldc + 1 * VL));
            c6_0 = c6_0.add(FloatVector.fromArray(F, c, ci + 6 * ldc));
            c6_1 = c6_1.add(FloatVector.fromArray(F, c, ci + 6 * ldc + 1 * VL));
            c7_0 = c7_0.add(FloatVector.fromArray(F, c, ci + 7 * ldc));
            c7_1 = c7_1.add(FloatVector.fromArray(F, c, ci + 7 * ldc + 1 * VL));
            c8_0 = c8_0.add(FloatVector.fromArray(F, c, ci + 8 * ldc));
            c8_1 = c8_1.add(FloatVector.fromArray(F, c, ci + 8 * ldc + 1 * VL));
            c9_0 = c9_0.add(FloatVector.fromArray(F, c, ci + 9 * ldc));
            c9_1 = c9_1.add(FloatVector.fromArray(F, c, ci + 9 * ldc + 1 * VL));
            c10_0 = c10_0.add(FloatVector.fromArray(F, c, ci + 10 * ldc));
            c10_1 = c10_1.add(FloatVector.fromArray(F, c, ci + 10 * ldc + 1 * VL));
            c11_0 = c11_0.add(FloatVector.fromArray(F, c, ci + 11 * ldc));
            c11_1 = c11_1.add(FloatVector.fromArray(F, c, ci + 11 * ldc + 1 * VL));
        }
        c0_0.intoArray(c, ci + 0 * ldc);
        c0_1.intoArray(c, ci + 0 * ldc + 1 * VL);
        c1_0.intoArray(c, ci + 1 * ldc);
        c1_1.intoArray(c, ci + 1 * ldc + 1 * VL);
        c2_0.intoArray(c, ci + 2 * ldc);
        c2_1.intoArray(c, ci + 2 * ldc + 1 * VL);
        c3_0.intoArray(c, ci + 3 * ldc);
        c3_1.intoArray(c, ci + 3 * ldc + 1 * VL);
        c4_0.intoArray(c, ci + 4 * ldc);
        c4_1.intoArray(c, ci + 4 * ldc + 1 * VL);
        c5_0.intoArray(c, ci + 5 * ldc);
        c5_1.intoArray(c, ci + 5 * ldc + 1 * VL);
        c6_0.intoArray(c, ci + 6 * ldc);
        c6_1.intoArray(c, ci + 6 * ldc + 1 * VL);
        c7_0.intoArray(c, ci + 7 * ldc);
        c7_1.intoArray(c, ci + 7 * ldc + 1 * VL);
        c8_0.intoArray(c, ci + 8 * ldc);
        c8_1.intoArray(c, ci + 8 * ldc + 1 * VL);
        c9_0.intoArray(c, ci + 9 * ldc);
        c9_1.intoArray(c, ci + 9 * ldc + 1 * VL);
        c10_0.intoArray(c, ci + 10 * ldc);
        c10_1.intoArray(c, ci + 10 * ldc + 1 * VL);
        c11_0.intoArray(c, ci + 11 * ldc);
        c11_1.intoArray(c, ci + 11 * ldc + 1 * VL);
    }
}
