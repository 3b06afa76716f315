package dev.deliberate.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;

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
 * <p>Design (BLIS, Van Zee &amp; van de Geijn 2015, with the roles of A and B mirrored for row-major C): op(B) is cut
 * into {@code KC×NC} blocks, each packed once by all workers together into {@code KC×NR} column panels; the workers
 * then take items (a chunk of up to {@code MC} rows × a run of panels) from a shared counter, pack their rows of
 * op(A) into {@code MR×KC} row panels, and run the register-blocked micro-kernel ({@link GemmKernel}), which keeps an
 * {@code MR×NR} tile of C in vector registers while it streams one A panel (broadcasts, from L2) against one B panel
 * (vector loads, from L1). Packing absorbs the four transpose cases and the strides, so one kernel serves them all.
 * Where A is row-major along the depth (no transA) and the default shapes have a kernel for it, A is read in place
 * instead ({@link #A_MODE}; only ragged last rows are packed): that saves a pass over A, most in attention's
 * P·V and in the n ≤ 768 products, and changes no bits; where those shapes must pack A (transA, ragged rows), they
 * pack it as row panels the same kernel reads.
 * Tiny m (decode) skips packing and streams op(B) once ({@link GemmNarrow}). Every element of C is summed in the same
 * order whichever worker computes it, so results are bit-identical from call to call.
 */
public final class Gemm {
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
    /** Work items per worker in one block, so the shared counter can even out uneven progress. */
    private static final int ITEMS_PER_WORKER = 4;

    /** Per worker: its packed rows of op(A) and a tile for ragged edges of C (sized for every kernel shape). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {
            new float[(MC + GemmKernel.MAX_MR) * KC], new float[GemmKernel.MAX_MR * GemmKernel.MAX_NR]});
    /**
     * Per calling thread: the packed block of op(B) its workers share, up to NC columns rounded up to whole panels of
     * any shape's NR (NC need not be a multiple of it: 4×3 has NR = 24 at 256 bits).
     */
    private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(
            () -> new float[KC * (NC + GemmKernel.MAX_NR)]);

    /**
     * How the micro-kernel reads op(A). The shapes with an in-place-A kernel ({@link GemmKernel.Shape#readsAInPlace()})
     * read A row by row; the others read packed steps of MR floats (BLIS's layout).
     */
    enum AMode {
        /** Rows read where they lie when A is row-major along the depth; transposed A, ragged last rows and
         *  cache-set-hostile strides are packed into row panels. The default. */
        IN_PLACE,
        /** Always packed, into row panels of kc contiguous floats, read by the in-place kernel with lda = kc. */
        ROWS,
        /** Always packed, into kc steps of MR floats, read by the packed kernel (the only mode of the other shapes). */
        STEPS;

        /** {@code -Ddeliberate.gemm.packA=rows|steps} forces packing (in row panels or in steps; {@code always}, the
         *  property's earlier value, means rows); unset: in place. */
        static AMode fromProperty(String value) {
            return switch (value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "" -> IN_PLACE;
                case "rows", "always" -> ROWS;
                case "steps" -> STEPS;
                default -> throw new IllegalArgumentException("deliberate.gemm.packA='" + value + "' is not rows or steps");
            };
        }
    }

    /**
     * The default {@link AMode}. In place saves the pass that packs A (a tenth to a fifth of a GEMM with n ≤ 768).
     * Row panels where A must be packed, because the packed-steps kernel runs at half the in-place one's speed with
     * 256-bit vectors (6×2 on a Zen 5 core with AVX-512 off: 45–53 vs 83–110 GFLOP/s on the same panels; tiny
     * training 2,590 vs 4,811 tok/s) and at about its speed with 512-bit ones. Every mode sums in the same order, so
     * the same bits.
     */
    static final AMode A_MODE = AMode.fromProperty(System.getProperty("deliberate.gemm.packA"));

    private Gemm() {}

    /**
     * Whether the MR rows of A, {@code lda} floats apart, spread over enough L1 sets: rows a multiple of 4 KiB apart
     * share one set (L1 is 4 KiB per way on these cores), and more than 3 of them per set would evict the packed B
     * panel the kernel keeps in L1; such strides (lda a multiple of 512 floats, e.g. 1024 or 2048) pack A.
     */
    static boolean fewRowsPerCacheSet(int lda, int mr) {
        long gcd = Math.min(Long.lowestOneBit(lda * 4L), 4096); // gcd(row stride in bytes, 4 KiB): a power of two
        return mr * gcd <= 3L * 4096;
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc,
                            boolean accumulate) {
        run(GemmKernel.DEFAULT, A_MODE, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * As above with B held as bf16 ({@link dev.deliberate.engine.backend.Bf16}: a frozen weight at half the memory).
     * B is widened to fp32 where it is read — inside the packing of each {@code KC×NC} block, or a few rows at a time
     * on the narrow path — so there is never an fp32 copy of it, and C is bit for bit what the fp32 GEMM gives on the
     * widened values.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda,
                            short[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc,
                            boolean accumulate) {
        run(GemmKernel.DEFAULT, A_MODE, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** As above with a given micro-kernel shape (tests force each one). */
    static void gemm(GemmKernel.Shape shape, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc,
                     boolean accumulate) {
        run(shape, A_MODE, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** With a given shape and way of reading A (tests compare them all). */
    static void gemm(GemmKernel.Shape shape, AMode aMode, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc,
                     boolean accumulate) {
        run(shape, aMode, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** The bf16-B form with a given micro-kernel shape. */
    static void gemm(GemmKernel.Shape shape, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda,
                     short[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc,
                     boolean accumulate) {
        run(shape, A_MODE, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** {@code b} is a {@code float[]} or a bf16 {@code short[]}; only the packing and the narrow path tell them apart. */
    private static void run(GemmKernel.Shape shape, AMode aMode, boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda,
                            Object b, int bOff, int ldb,
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
        boolean rowPanels = aMode != AMode.STEPS && shape.readsAInPlace();
        boolean aInPlace = aMode == AMode.IN_PLACE && rowPanels && !transA && fewRowsPerCacheSet(lda, shape.mr());
        packed(shape, rowPanels, aInPlace, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * The packed path. Per {@code NC×KC} block, the workers first pack op(B) together into the caller's buffer, then
     * take items (a chunk of rows × a run of B panels) from a shared counter, so a worker slowed by another process
     * does not hold the others back.
     */
    private static void packed(GemmKernel.Shape shape, boolean rowPanels, boolean aInPlace, boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, int lda, Object b, int bOff, int ldb,
                               float[] c, int cOff, int ldc, boolean accumulate) {
        float[] bp = PACKED_B.get();
        final int MR = shape.mr(), NR = shape.nr();
        boolean parallel = Parallel.threads() > 1 && (long) m * n * k >= MIN_PARALLEL_WORK;
        int workers = parallel ? Parallel.threads() : 1;
        // Several items per worker so the shared counter can balance them.
        int rowChunk = Math.min(MC, Math.max(MR, roundUp(Math.ceilDiv(m, ITEMS_PER_WORKER * workers), MR)));
        int rowItems = Math.ceilDiv(m, rowChunk);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), panels = Math.ceilDiv(nc, NR);
            int panelsPerItem = Math.ceilDiv(panels, Math.max(1, Math.min(panels, Math.ceilDiv(ITEMS_PER_WORKER * workers, rowItems))));
            int colItems = Math.ceilDiv(panels, panelsPerItem);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc), jcf = jc, pcf = pc;
                boolean add = accumulate || pc > 0;
                var block = new Block(shape, rowPanels, aInPlace, transA, m, nc, kc, jc, pc, a, aOff, lda, bp, c, cOff, ldc, add,
                        rowChunk, colItems, panelsPerItem, panels, new AtomicInteger());
                if (parallel) {
                    Parallel.forRange(panels, 1, (s, e) -> GemmPack.packB(NR, transB, b, bOff, ldb, pcf, kc, jcf, nc, bp, s, e));
                    Parallel.forRange(workers, 1, (s, e) -> block.run());
                } else {
                    GemmPack.packB(NR, transB, b, bOff, ldb, pc, kc, jc, nc, bp, 0, panels);
                    block.run();
                }
            }
        }
    }

    /** One packed {@code nc×kc} block of op(B) against all of op(A), cut into rowChunk × panelsPerItem items. */
    private record Block(GemmKernel.Shape shape, boolean rowPanels, boolean aInPlace, boolean transA, int m, int nc, int kc, int jc, int pc, float[] a, int aOff, int lda,
                         float[] bp, float[] c, int cOff, int ldc, boolean add,
                         int rowChunk, int colItems, int panelsPerItem, int panels, AtomicInteger next) {
        void run() {
            float[][] scratch = SCRATCH.get();
            float[] ap = scratch[0], tile = scratch[1];
            final int MR = shape.mr(), NR = shape.nr();
            int items = Math.ceilDiv(m, rowChunk) * colItems;
            for (int item; (item = next.getAndIncrement()) < items; ) {
                int ic = item / colItems * rowChunk, mc = Math.min(rowChunk, m - ic);
                int firstPanel = item % colItems * panelsPerItem, endPanel = Math.min(panels, firstPanel + panelsPerItem);
                // In place, only the ragged last rows (fewer than MR) are packed, as panel 0 of ap.
                int inPlaceRows = aInPlace ? mc / MR * MR : 0;
                if (inPlaceRows < mc) {
                    if (rowPanels) GemmPack.packARows(MR, transA, a, aOff, lda, ic + inPlaceRows, mc - inPlaceRows, pc, kc, ap);
                    else GemmPack.packA(MR, transA, a, aOff, lda, ic + inPlaceRows, mc - inPlaceRows, pc, kc, ap);
                }
                for (int panel = firstPanel; panel < endPanel; panel++) {
                    int jr = panel * NR, nr = Math.min(NR, nc - jr), bi = jr * kc;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        int ci = cOff + (ic + ir) * ldc + jc + jr;
                        boolean full = mr == MR && nr == NR;
                        float[] out = full ? c : tile;
                        int oi = full ? ci : 0, ldo = full ? ldc : NR;
                        boolean addHere = full && add;
                        if (ir < inPlaceRows) shape.tileDirect(a, aOff + (ic + ir) * lda + pc, lda, bp, bi, kc, out, oi, ldo, addHere);
                        else if (rowPanels) shape.tileDirect(ap, (ir - inPlaceRows) * kc, kc, bp, bi, kc, out, oi, ldo, addHere);
                        else shape.tile(ap, (ir - inPlaceRows) * kc, bp, bi, kc, out, oi, ldo, addHere);
                        if (!full) {
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
