package dev.deliberate.engine.backend.cpu;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Bf16;
import dev.deliberate.engine.backend.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The CPU backend: tensors are Java {@code float[]}, matrix multiplies go to {@link Gemm}, the other kernels are
 * Vector API loops split over the {@link Parallel} worker pool. Scratch space is per worker thread and reused.
 */
public final class CpuBackend implements Backend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** A CPU tensor: a plain array. */
    public record CpuTensor(float[] data) implements Tensor {
        @Override
        public long size() {
            return data.length;
        }
    }

    /** A frozen weight held as bf16 ({@link #toBf16}): half the memory, read only by matmul (as B), embedding, download. */
    public record Bf16Tensor(short[] data) implements Tensor {
        @Override
        public long size() {
            return data.length;
        }

        @Override
        public long bytes() {
            return (long) data.length * Short.BYTES;
        }
    }

    private static float[] a(Tensor t) {
        if (t instanceof CpuTensor c) return c.data();
        if (t instanceof Bf16Tensor)
            throw new IllegalArgumentException("a bf16 tensor (a --base-dtype bf16 frozen weight) reached a kernel that takes fp32;"
                    + " only matmul's B operand, embedding's table and download read bf16");
        throw new IllegalArgumentException("not a CPU tensor: " + t);
    }

    static {
        if (L < 4)
            System.getLogger(CpuBackend.class.getName()).log(System.Logger.Level.WARNING,
                    "the Vector API offers only {0}-lane float vectors on this machine: kernels run at near-scalar speed", L);
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    /** This thread's scratch array, at least {@code n} long (grown, never shrunk, so steady state allocates nothing). */
    private static float[] scratch(int n) {
        float[][] s = SCRATCH.get();
        if (s[0].length < n) s[0] = new float[Math.max(n, s[0].length * 2)];
        return s[0];
    }

    /** OpenBLAS for {@link #matmul} ({@code cpu-blas}), or null for the Java kernels. */
    private final OpenBlas blas;

    /** The Java kernels throughout. */
    public CpuBackend() {
        this.blas = null;
    }

    private CpuBackend(OpenBlas blas) {
        this.blas = blas;
    }

    private static final System.Logger LOG = System.getLogger(CpuBackend.class.getName());
    private static volatile boolean toldMissingBlas;

    /**
     * {@code cpu-blas}: as the Java backend, but {@link #matmul} goes to OpenBLAS's {@code cblas_sgemm} ({@link OpenBlas}
     * says where the library is looked for). When none is found this says so once, on stderr and in the log, and
     * returns the Java backend.
     */
    public static CpuBackend withOpenBlas() {
        OpenBlas b = OpenBlas.get();
        if (b != null) return new CpuBackend(b);
        if (!toldMissingBlas) {
            toldMissingBlas = true;
            String msg = "cpu-blas: " + OpenBlas.missingReason() + "; using the Java kernels";
            LOG.log(System.Logger.Level.WARNING, msg);
            System.err.println("deliberate: " + msg);
        }
        return new CpuBackend();
    }

    /** A backend by name: {@code cpu} (Java kernels), {@code cpu-blas} (OpenBLAS matmul, else Java, said once). */
    public static CpuBackend named(String name) {
        return switch (name) {
            case "cpu", "java" -> new CpuBackend();
            case "cpu-blas" -> withOpenBlas();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (cpu or java, cpu-blas)");
        };
    }

    /** Whether {@link #matmul} runs on OpenBLAS. */
    public boolean usesBlas() {
        return blas != null;
    }

    @Override
    public String name() {
        return (blas != null ? "cpu-blas (" + blas.config() + ", " : "cpu (java kernels " + GemmKernel.DEFAULT.name() + ", ")
                + Parallel.threads() + " threads, " + S.vectorBitSize() + "-bit vectors)";
    }

    // ---- memory ----

    @Override
    public Tensor allocate(long n) {
        return new CpuTensor(new float[Math.toIntExact(n)]);
    }

    @Override
    public void upload(float[] src, int srcOff, Tensor dst, long dstOff, int n) {
        System.arraycopy(src, srcOff, a(dst), (int) dstOff, n);
    }

    @Override
    public void download(Tensor src, long srcOff, float[] dst, int dstOff, int n) {
        if (src instanceof Bf16Tensor h) Bf16.widen(h.data(), (int) srcOff, dst, dstOff, n);
        else System.arraycopy(a(src), (int) srcOff, dst, dstOff, n);
    }

    @Override
    public Tensor toBf16(Tensor src) {
        if (src instanceof Bf16Tensor) return src;
        float[] f = a(src);
        short[] h = new short[f.length];
        Parallel.forRange(f.length, 1 << 16, (lo, hi) -> Bf16.narrow(f, lo, h, lo, hi - lo));
        return new Bf16Tensor(h);
    }

    @Override
    public Tensor toFp32(Tensor src) {
        if (!(src instanceof Bf16Tensor h)) return new CpuTensor(a(src).clone());
        float[] f = new float[h.data().length];
        Parallel.forRange(f.length, 1 << 16, (lo, hi) -> Bf16.widen(h.data(), lo, f, lo, hi - lo));
        return new CpuTensor(f);
    }

    @Override
    public void zero(Tensor t) {
        Arrays.fill(a(t), 0f);
    }

    @Override
    public void copy(Tensor src, long srcOff, Tensor dst, long dstOff, long n) {
        System.arraycopy(a(src), (int) srcOff, a(dst), (int) dstOff, (int) n);
    }

    @Override
    public void gatherRows(Tensor src, Tensor dst, int rows, int cols, int[] srcRows) {
        float[] s = a(src), d = a(dst);
        for (int r = 0; r < rows; r++) System.arraycopy(s, srcRows[r] * cols, d, r * cols, cols);
    }

    // ---- elementwise and reductions ----

    @Override
    public void add(Tensor dst, Tensor src, long n) {
        float[] d = a(dst), s = a(src);
        Parallel.forRange((int) n, 1 << 15, (lo, hi) -> {
            int i = lo;
            for (; i <= hi - L; i += L)
                FloatVector.fromArray(S, d, i).add(FloatVector.fromArray(S, s, i)).intoArray(d, i);
            for (; i < hi; i++) d[i] += s[i];
        });
    }

    @Override
    public void scale(Tensor t, long n, float sc) {
        float[] d = a(t);
        Parallel.forRange((int) n, 1 << 15, (lo, hi) -> {
            int i = lo;
            for (; i <= hi - L; i += L) FloatVector.fromArray(S, d, i).mul(sc).intoArray(d, i);
            for (; i < hi; i++) d[i] *= sc;
        });
    }

    @Override
    public double sumOfSquares(Tensor t, long n) {
        float[] d = a(t);
        int parts = Math.max(1, Math.min(Parallel.threads(), (int) (n >> 15)));
        double[] partial = new double[parts];
        Parallel.forRange(parts, 1, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int lo = (int) (n * p / parts), hi = (int) (n * (p + 1) / parts);
                double sum = 0;
                // fp32 vector partial sums over blocks of 4096, folded into a double so long tensors lose nothing
                for (int b = lo; b < hi; b += 4096) {
                    int e = Math.min(hi, b + 4096), i = b;
                    FloatVector acc = FloatVector.zero(S);
                    for (; i <= e - L; i += L) {
                        var x = FloatVector.fromArray(S, d, i);
                        acc = x.fma(x, acc);
                    }
                    float s = hsum(acc);
                    for (; i < e; i++) s += d[i] * d[i];
                    sum += s;
                }
                partial[p] = sum;
            }
        });
        double s = 0;
        for (double x : partial) s += x;
        return s;
    }

    // ---- linear algebra ----

    @Override
    public void matmul(boolean transA, boolean transB, int m, int n, int k, Tensor a, long aOff, Tensor b, long bOff,
                       Tensor c, long cOff, boolean accumulate) {
        if (blas != null) {
            if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("matmul: negative size m=" + m + " n=" + n + " k=" + k);
            if (m == 0 || n == 0) return;
            if (k == 0) {
                if (!accumulate) Arrays.fill(a(c), (int) cOff, (int) cOff + m * n, 0f);
                return;
            }
            if (b instanceof Bf16Tensor h) blasBf16(transA, transB, m, n, k, a(a), (int) aOff, h.data(), (int) bOff, a(c), (int) cOff, accumulate);
            else blasSplit(transA, transB, m, n, k, a(a), (int) aOff, a(b), (int) bOff, transB ? k : n, a(c), (int) cOff, n, accumulate);
            return;
        }
        if (b instanceof Bf16Tensor h) {
            Gemm.gemm(transA, transB, m, n, k, a(a), (int) aOff, transA ? m : k, h.data(), (int) bOff, transB ? k : n,
                    a(c), (int) cOff, n, accumulate);
        } else {
            Gemm.gemm(transA, transB, m, n, k, a(a), (int) aOff, transA ? m : k, a(b), (int) bOff, transB ? k : n,
                    a(c), (int) cOff, n, accumulate);
        }
    }

    /** Floats of a bf16 B that {@link #blasBf16} widens at a time (4 MiB). */
    private static final int BLAS_WIDE_FLOATS = 1 << 20;
    private static final ThreadLocal<float[][]> BLAS_WIDE = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * cpu-blas with a bf16 B: {@code cblas_sgemm} reads only fp32, so op(B) is widened a block of its columns at a time
     * (about {@link #BLAS_WIDE_FLOATS}, into a scratch of the calling thread) and each block goes to {@link #blasSplit}:
     * there is never a full fp32 copy of B, and the result is deterministic for a given thread count, as blasSplit's.
     */
    private void blasBf16(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, short[] b, int bOff,
                          float[] c, int cOff, boolean accumulate) {
        int cols = Math.min(n, Math.max(16, BLAS_WIDE_FLOATS / k));
        float[][] holder = BLAS_WIDE.get();
        if (holder[0].length < cols * k) holder[0] = new float[cols * k];
        float[] w = holder[0];
        for (int j0 = 0; j0 < n; j0 += cols) {
            int nb = Math.min(cols, n - j0), j = j0;
            if (transB) { // B is n×k: columns j0.. of op(B) are nb contiguous rows
                Parallel.forRange(nb * k, 1 << 16, (lo, hi) -> Bf16.widen(b, bOff + j * k + lo, w, lo, hi - lo));
            } else { // B is k×n: each depth step's nb values
                Parallel.forRange(k, Math.max(1, (1 << 16) / nb), (p0, p1) -> {
                    for (int p = p0; p < p1; p++) Bf16.widen(b, bOff + p * n + j, w, p * nb, nb);
                });
            }
            blasSplit(transA, transB, m, nb, k, a, aOff, w, 0, transB ? k : nb, c, cOff + j0, n, accumulate);
        }
    }

    /**
     * OpenBLAS runs single-threaded and the {@link Parallel} workers each take a fixed slice of C (rows when there are
     * enough, else columns): OpenBLAS's own threads spin between calls and would fight the workers that run the other
     * kernels, and fixed slices keep the result bit-identical for a given thread count.
     */
    private void blasSplit(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                           int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        int lda = transA ? m : k;
        float beta = accumulate ? 1f : 0f;
        boolean parallel = Parallel.threads() > 1 && (long) m * n * k >= 1L << 17;
        if (!parallel) {
            blas.sgemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else if (m >= 16 * Parallel.threads()) {
            Parallel.forRange(m, 16, (r0, r1) -> blas.sgemm(transA, transB, r1 - r0, n, k,
                    a, aOff + (transA ? r0 : r0 * lda), lda, b, bOff, ldb, beta, c, cOff + r0 * ldc, ldc));
        } else {
            Parallel.forRange(n, 16, (j0, j1) -> blas.sgemm(transA, transB, m, j1 - j0, k,
                    a, aOff, lda, b, bOff + (transB ? j0 * ldb : j0), ldb, beta, c, cOff + j0, ldc));
        }
    }

    @Override
    public void biasAdd(Tensor y, Tensor bias, int rows, int cols) {
        float[] d = a(y), b = a(bias);
        Parallel.forRange(rows, 64, (r0, r1) -> {
            for (int r = r0; r < r1; r++) addTo(d, r * cols, b, 0, cols);
        });
    }

    @Override
    public void biasBackward(Tensor dy, Tensor dbias, int rows, int cols) {
        float[] g = a(dy), db = a(dbias);
        // split over columns so each worker owns its slice of dbias
        Parallel.forRange(cols, 2 * L, (c0, c1) -> {
            for (int r = 0; r < rows; r++) addTo(db, c0, g, r * cols + c0, c1 - c0);
        });
    }

    // ---- transformer kernels ----

    @Override
    public void rmsnorm(Tensor xt, Tensor wt, Tensor yt, Tensor rstdt, int rows, int cols, float eps) {
        float[] x = a(xt), w = a(wt), y = a(yt), rstd = a(rstdt);
        Parallel.forRange(rows, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float rs = (float) (1.0 / Math.sqrt(dot(x, o, x, o, cols) / cols + eps));
                rstd[r] = rs;
                int i = 0;
                for (; i <= cols - L; i += L)
                    FloatVector.fromArray(S, x, o + i).mul(rs).mul(FloatVector.fromArray(S, w, i)).intoArray(y, o + i);
                for (; i < cols; i++) y[o + i] = x[o + i] * rs * w[i];
            }
        });
    }

    @Override
    public void rmsnormBackward(Tensor dyt, Tensor xt, Tensor wt, Tensor rstdt, Tensor dxt, Tensor dwt, int rows, int cols) {
        float[] dy = a(dyt), x = a(xt), w = a(wt), rstd = a(rstdt), dx = a(dxt), dw = a(dwt);
        // n = x·rstd, dn = dy⊙w:  dx = rstd·(dn − n·mean(dn⊙n))
        Parallel.forRange(rows, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float rs = rstd[r];
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i <= cols - L; i += L)
                    acc = FloatVector.fromArray(S, dy, o + i).mul(FloatVector.fromArray(S, w, i))
                            .fma(FloatVector.fromArray(S, x, o + i), acc);
                float s = hsum(acc);
                for (; i < cols; i++) s += dy[o + i] * w[i] * x[o + i];
                float c = s * rs * rs / cols; // mean(dn⊙n)·rstd, folded so dx = rstd·dn − x·c·rstd
                float k2 = c * rs;
                i = 0;
                for (; i <= cols - L; i += L) {
                    var dn = FloatVector.fromArray(S, dy, o + i).mul(FloatVector.fromArray(S, w, i));
                    var v = dn.mul(rs).sub(FloatVector.fromArray(S, x, o + i).mul(k2));
                    v.add(FloatVector.fromArray(S, dx, o + i)).intoArray(dx, o + i);
                }
                for (; i < cols; i++) dx[o + i] += dy[o + i] * w[i] * rs - x[o + i] * k2;
            }
        });
        Parallel.forRange(cols, 2 * L, (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                int o = r * cols;
                float rs = rstd[r];
                int i = c0;
                for (; i <= c1 - L; i += L)
                    FloatVector.fromArray(S, dy, o + i).mul(FloatVector.fromArray(S, x, o + i)).mul(rs)
                            .add(FloatVector.fromArray(S, dw, i)).intoArray(dw, i);
                for (; i < c1; i++) dw[i] += dy[o + i] * x[o + i] * rs;
            }
        });
    }

    @Override
    public void rope(Tensor xt, int rows, int heads, int headDim, int[] positions, Tensor cost, Tensor sint) {
        rotate(a(xt), rows, heads, headDim, positions, a(cost), a(sint), 1f);
    }

    @Override
    public void ropeBackward(Tensor dxt, int rows, int heads, int headDim, int[] positions, Tensor cost, Tensor sint) {
        rotate(a(dxt), rows, heads, headDim, positions, a(cost), a(sint), -1f);
    }

    private static void rotate(float[] x, int rows, int heads, int headDim, int[] positions, float[] cos, float[] sin,
                               float sign) {
        int half = headDim / 2, width = heads * headDim;
        Parallel.forRange(rows, 32, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int t = positions[r] * half;
                for (int h = 0; h < heads; h++) {
                    int o = r * width + h * headDim;
                    int i = 0;
                    for (; i <= half - L; i += L) {
                        var c = FloatVector.fromArray(S, cos, t + i);
                        var s = FloatVector.fromArray(S, sin, t + i).mul(sign);
                        var x1 = FloatVector.fromArray(S, x, o + i);
                        var x2 = FloatVector.fromArray(S, x, o + half + i);
                        x1.mul(c).sub(x2.mul(s)).intoArray(x, o + i);
                        x2.mul(c).add(x1.mul(s)).intoArray(x, o + half + i);
                    }
                    for (; i < half; i++) {
                        float c = cos[t + i], s = sin[t + i] * sign, x1 = x[o + i], x2 = x[o + half + i];
                        x[o + i] = x1 * c - x2 * s;
                        x[o + half + i] = x2 * c + x1 * s;
                    }
                }
            }
        });
    }

    /** Query rows per attention block: a block attends keys 0..its last row, so causal waste is under one block. */
    static final int ATTENTION_BLOCK = 128;

    /**
     * Per (sequence, head) and block of query rows [r0, r1): {@code S = Q·Kᵀ} over keys [0, r1), a causal softmax
     * per row, then {@code O = P·V} — the two products through {@link Gemm}, which parallelises them.
     */
    @Override
    public void attention(Tensor qt, Tensor kt, Tensor vt, Tensor outt, Tensor lset, int batch, int seq, int[] lengths,
                          int heads, int kvHeads, int headDim) {
        attention(qt, kt, vt, outt, lset, batch, seq, lengths, heads, kvHeads, headDim, ATTENTION_BLOCK);
    }

    /** With an explicit query block size (tests use a small one to cover several blocks cheaply). */
    void attention(Tensor qt, Tensor kt, Tensor vt, Tensor outt, Tensor lset, int batch, int seq, int[] lengths,
                   int heads, int kvHeads, int headDim, int blockRows) {
        float[] q = a(qt), k = a(kt), v = a(vt), out = a(outt), lse = a(lset);
        int qw = heads * headDim, kw = kvHeads * headDim, group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        // one task per (sequence, head); the products inside run through Gemm on the task's own thread
        Parallel.forRange(batch * heads, 1, (p0, p1) -> {
            float[] sm = scratch(Math.min(blockRows, seq) * seq);
            for (int bh = p0; bh < p1; bh++) {
                int b = bh / heads, h = bh % heads, len = lengths[b], kvOff = b * seq * kw + (h / group) * headDim;
                for (int t = len; t < seq; t++) {
                    Arrays.fill(out, (b * seq + t) * qw + h * headDim, (b * seq + t) * qw + (h + 1) * headDim, 0f);
                    lse[bh * seq + t] = 0f;
                }
                for (int r0 = 0; r0 < len; r0 += blockRows) {
                    int r1 = Math.min(len, r0 + blockRows), m = r1 - r0, qOff = (b * seq + r0) * qw + h * headDim;
                    Gemm.gemm(false, true, m, r1, headDim, q, qOff, qw, k, kvOff, kw, sm, 0, r1, false);
                    for (int i = 0; i < m; i++) {
                        int o = i * r1, n = r0 + i + 1;
                        scaleInPlace(sm, o, n, scale);
                        float max = max(sm, o, n);
                        float sum = expInPlace(sm, o, n, max);
                        scaleInPlace(sm, o, n, 1f / sum);
                        Arrays.fill(sm, o + n, o + r1, 0f); // causal mask
                        lse[bh * seq + r0 + i] = max + (float) Math.log(sum);
                    }
                    Gemm.gemm(false, false, m, headDim, r1, sm, 0, r1, v, kvOff, kw, out, qOff, qw, false);
                }
            }
        });
    }

    /**
     * Recomputes P from the saved log-sum-exp per block, then {@code dP = dO·Vᵀ}, {@code dS = P ⊙ (dP − rowsum(dO ⊙ O))},
     * {@code dQ = dS·K/√d}, {@code dK += dSᵀ·Q/√d}, {@code dV += Pᵀ·dO}.
     */
    @Override
    public void attentionBackward(Tensor doutt, Tensor qt, Tensor kt, Tensor vt, Tensor outt, Tensor lset, Tensor dqt,
                                  Tensor dkt, Tensor dvt, int batch, int seq, int[] lengths, int heads, int kvHeads,
                                  int headDim) {
        attentionBackward(doutt, qt, kt, vt, outt, lset, dqt, dkt, dvt, batch, seq, lengths, heads, kvHeads, headDim,
                ATTENTION_BLOCK);
    }

    void attentionBackward(Tensor doutt, Tensor qt, Tensor kt, Tensor vt, Tensor outt, Tensor lset, Tensor dqt,
                           Tensor dkt, Tensor dvt, int batch, int seq, int[] lengths, int heads, int kvHeads,
                           int headDim, int blockRows) {
        float[] dout = a(doutt), q = a(qt), k = a(kt), v = a(vt), out = a(outt), lse = a(lset);
        float[] dq = a(dqt), dk = a(dkt), dv = a(dvt);
        int qw = heads * headDim, kw = kvHeads * headDim, group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int block = Math.min(blockRows, seq), dpAt = block * seq;
        // one task per (sequence, kv head): it owns dk/dv of that head and dq of the query heads sharing it
        Parallel.forRange(batch * kvHeads, 1, (p0, p1) -> {
            float[] pm = scratch(2 * block * seq);
            for (int bk = p0; bk < p1; bk++) {
                int b = bk / kvHeads, kvh = bk % kvHeads, len = lengths[b], kvOff = b * seq * kw + kvh * headDim;
                for (int t = 0; t < seq; t++) {
                    int ko = (b * seq + t) * kw + kvh * headDim;
                    Arrays.fill(dk, ko, ko + headDim, 0f);
                    Arrays.fill(dv, ko, ko + headDim, 0f);
                    Arrays.fill(dq, (b * seq + t) * qw + kvh * group * headDim, (b * seq + t) * qw + (kvh + 1) * group * headDim, 0f);
                }
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    int bh = b * heads + h;
                    for (int r0 = 0; r0 < len; r0 += blockRows) {
                        int r1 = Math.min(len, r0 + blockRows), m = r1 - r0, qOff = (b * seq + r0) * qw + h * headDim;
                        Gemm.gemm(false, true, m, r1, headDim, q, qOff, qw, k, kvOff, kw, pm, 0, r1, false);
                        Gemm.gemm(false, true, m, r1, headDim, dout, qOff, qw, v, kvOff, kw, pm, dpAt, r1, false);
                        for (int i = 0; i < m; i++) {
                            int o = i * r1, n = r0 + i + 1, row = qOff + i * qw;
                            scaleInPlace(pm, o, n, scale);
                            expShift(pm, o, n, lse[bh * seq + r0 + i]);         // P
                            float d = dot(dout, row, out, row, headDim);          // D = dO·O = Σ_j P_j dP_j
                            dsoftmax(pm, o, dpAt + o, n, d, scale);               // dS/√d into the dP rows
                            Arrays.fill(pm, o + n, o + r1, 0f);
                            Arrays.fill(pm, dpAt + o + n, dpAt + o + r1, 0f);
                        }
                        Gemm.gemm(false, false, m, headDim, r1, pm, dpAt, r1, k, kvOff, kw, dq, qOff, qw, false);
                        Gemm.gemm(true, false, r1, headDim, m, pm, dpAt, r1, q, qOff, qw, dk, kvOff, kw, true);
                        Gemm.gemm(true, false, r1, headDim, m, pm, 0, r1, dout, qOff, qw, dv, kvOff, kw, true);
                    }
                }
            }
        });
    }

    @Override
    public void writeKvCache(Tensor kt, Tensor vt, Tensor kCache, Tensor vCache, int rows, int[] slots, int[] positions,
                             int maxSeq, int kvHeads, int headDim) {
        float[] k = a(kt), v = a(vt), kc = a(kCache), vc = a(vCache);
        int kw = kvHeads * headDim;
        for (int r = 0; r < rows; r++) {
            System.arraycopy(v, r * kw, vc, (slots[r] * maxSeq + positions[r]) * kw, kw);
            for (int h = 0; h < kvHeads; h++) {
                int base = (slots[r] * kvHeads + h) * headDim * maxSeq + positions[r];
                for (int d = 0; d < headDim; d++) kc[base + d * maxSeq] = k[r * kw + h * headDim + d];
            }
        }
    }

    @Override
    public void attentionCached(Tensor qt, Tensor kct, Tensor vct, Tensor outt, int rows, int[] slots, int[] positions,
                                int maxSeq, int heads, int kvHeads, int headDim) {
        float[] q = a(qt), kc = a(kct), vc = a(vct), out = a(outt);
        int qw = heads * headDim, kw = kvHeads * headDim, group = heads / kvHeads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        long work = 0;
        for (int r = 0; r < rows; r++) work += (long) (positions[r] + 1) * heads * headDim;
        int grain = work < 65536 ? rows * heads : 1; // tiny decode steps are not worth waking a worker
        Parallel.forRange(rows * heads, grain, (p0, p1) -> {
            float[] p = scratch(maxSeq + headDim);
            for (int rh = p0; rh < p1; rh++) {
                int r = rh / heads, h = rh % heads, kvh = h / group, n = positions[r] + 1;
                int qo = r * qw + h * headDim;
                float[] qs = scaled(q, qo, headDim, scale, p, maxSeq);
                scores(qs, maxSeq, kc, (slots[r] * kvHeads + kvh) * headDim * maxSeq, maxSeq, headDim, n, p, 0);
                float max = max(p, 0, n);
                scaleInPlace(p, n, 1f / expInPlace(p, n, max));
                weightedSum(p, n, vc, slots[r] * maxSeq * kw + kvh * headDim, kw, headDim, out, qo);
            }
        });
    }

    // ---- cached-attention helpers: keys transposed so scores vectorise over positions, with no horizontal sums ----

    /** Copies {@code x[xo..xo+n)·scale} into {@code buf[at..]} and returns buf (the query, pre-scaled by 1/√d). */
    private static float[] scaled(float[] x, int xo, int n, float scale, float[] buf, int at) {
        for (int i = 0; i < n; i++) buf[at + i] = x[xo + i] * scale;
        return buf;
    }

    /** {@code p[po + j] = Σ_d q[qo + d]·kT[kOff + d·ld + j]} for j < n. */
    private static void scores(float[] q, int qo, float[] kT, int kOff, int ld, int hd, int n, float[] p, int po) {
        int j = 0;
        for (; j <= n - 2 * L; j += 2 * L) {
            var acc0 = FloatVector.zero(S);
            var acc1 = FloatVector.zero(S);
            for (int d = 0; d < hd; d++) {
                var qd = FloatVector.broadcast(S, q[qo + d]);
                int o = kOff + d * ld + j;
                acc0 = FloatVector.fromArray(S, kT, o).fma(qd, acc0);
                acc1 = FloatVector.fromArray(S, kT, o + L).fma(qd, acc1);
            }
            acc0.intoArray(p, po + j);
            acc1.intoArray(p, po + j + L);
        }
        for (; j <= n - L; j += L) {
            var acc = FloatVector.zero(S);
            for (int d = 0; d < hd; d++)
                acc = FloatVector.fromArray(S, kT, kOff + d * ld + j).fma(FloatVector.broadcast(S, q[qo + d]), acc);
            acc.intoArray(p, po + j);
        }
        for (; j < n; j++) {
            float s = 0;
            for (int d = 0; d < hd; d++) s += q[qo + d] * kT[kOff + d * ld + j];
            p[po + j] = s;
        }
    }

    /** {@code out[oo + c] = Σ_{j<n} p[j]·v[base + j·stride + c]} for c < hd, each column block kept in a register. */
    private static void weightedSum(float[] p, int n, float[] v, int base, int stride, int hd, float[] out, int oo) {
        int c = 0;
        for (; c <= hd - L; c += L) {
            var acc = FloatVector.zero(S);
            for (int j = 0; j < n; j++)
                acc = FloatVector.fromArray(S, v, base + j * stride + c).fma(FloatVector.broadcast(S, p[j]), acc);
            acc.intoArray(out, oo + c);
        }
        for (; c < hd; c++) {
            float s = 0;
            for (int j = 0; j < n; j++) s += p[j] * v[base + j * stride + c];
            out[oo + c] = s;
        }
    }

    private static void scaleInPlace(float[] p, int n, float s) {
        scaleInPlace(p, 0, n, s);
    }

    private static void scaleInPlace(float[] p, int o, int n, float s) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, p, o + i).mul(s).intoArray(p, o + i);
        for (; i < n; i++) p[o + i] *= s;
    }

    /** {@code p[o + j] = exp(p[o + j] − shift)} for j < n. */
    private static void expShift(float[] p, int o, int n, float shift) {
        expVectors(p, o, 1f, shift, 1f, p, o, n);
        for (int i = n - n % L; i < n; i++) p[o + i] = (float) Math.exp(p[o + i] - shift);
    }

    /** Softmax backward for one row: {@code x[dpo + j] = x[po + j]·(x[dpo + j] − d)·scale}. */
    private static void dsoftmax(float[] x, int po, int dpo, int n, float d, float scale) {
        int j = 0;
        for (; j <= n - L; j += L)
            FloatVector.fromArray(S, x, dpo + j).sub(d).mul(FloatVector.fromArray(S, x, po + j)).mul(scale).intoArray(x, dpo + j);
        for (; j < n; j++) x[dpo + j] = x[po + j] * (x[dpo + j] - d) * scale;
    }

    /** Elements per pass of SwiGLU: e^(−x) for a block into scratch, then the rest, so no vector crosses a call. */
    private static final int SILU_BLOCK = 1024;

    @Override
    public void swiglu(Tensor gatet, Tensor upt, Tensor ht, long n) {
        float[] g = a(gatet), u = a(upt), h = a(ht);
        Parallel.forRange((int) n, 1 << 14, (lo, hi) -> {
            float[] e = scratch(SILU_BLOCK);
            for (int b = lo; b < hi; b += SILU_BLOCK) {
                int len = Math.min(SILU_BLOCK, hi - b), whole = len - len % L;
                expVectors(g, b, -1f, 0f, 1f, e, 0, len); // e^(−x)
                for (int j = 0; j < whole; j += L) {
                    var x = FloatVector.fromArray(S, g, b + j);
                    var sig = FloatVector.fromArray(S, e, j).add(1f); // 1 + e^(−x)
                    x.div(sig).mul(FloatVector.fromArray(S, u, b + j)).intoArray(h, b + j);
                }
                for (int i = b + whole; i < b + len; i++) h[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
            }
        });
    }

    @Override
    public void swigluBackward(Tensor dht, Tensor gatet, Tensor upt, Tensor dgatet, Tensor dupt, long n) {
        float[] dh = a(dht), g = a(gatet), u = a(upt), dg = a(dgatet), du = a(dupt);
        // silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
        Parallel.forRange((int) n, 1 << 14, (lo, hi) -> {
            float[] e = scratch(SILU_BLOCK);
            for (int b = lo; b < hi; b += SILU_BLOCK) {
                int len = Math.min(SILU_BLOCK, hi - b), whole = len - len % L;
                expVectors(g, b, -1f, 0f, 1f, e, 0, len); // e^(−x)
                for (int j = 0; j < whole; j += L) {
                    int i = b + j;
                    var x = FloatVector.fromArray(S, g, i);
                    var sig = FloatVector.broadcast(S, 1f).div(FloatVector.fromArray(S, e, j).add(1f));
                    var d = FloatVector.fromArray(S, dh, i);
                    d.mul(x.mul(sig)).intoArray(du, i);
                    var dsilu = sig.mul(x.mul(sig.neg().add(1f)).add(1f));
                    d.mul(FloatVector.fromArray(S, u, i)).mul(dsilu).intoArray(dg, i);
                }
                for (int i = b + whole; i < b + len; i++) {
                    float x = g[i], sig = 1f / (1f + (float) Math.exp(-x));
                    du[i] = dh[i] * x * sig;
                    dg[i] = dh[i] * u[i] * sig * (1f + x * (1f - sig));
                }
            }
        });
    }

    @Override
    public void embedding(Tensor tablet, int[] tokens, Tensor outt, int rows, int cols) {
        float[] o = a(outt);
        if (tablet instanceof Bf16Tensor h) {
            for (int r = 0; r < rows; r++) Bf16.widen(h.data(), tokens[r] * cols, o, r * cols, cols);
            return;
        }
        float[] t = a(tablet);
        for (int r = 0; r < rows; r++) System.arraycopy(t, tokens[r] * cols, o, r * cols, cols);
    }

    @Override
    public void embeddingBackward(Tensor doutt, int[] tokens, Tensor dtablet, int rows, int cols) {
        float[] d = a(doutt), dt = a(dtablet);
        Parallel.forRange(cols, 2 * L, (c0, c1) -> {
            for (int r = 0; r < rows; r++) addTo(dt, tokens[r] * cols + c0, d, r * cols + c0, c1 - c0);
        });
    }

    @Override
    public void crossEntropy(Tensor logitst, int[] targets, int row0, Tensor lset, Tensor logpt, int rows, int vocab) {
        float[] z = a(logitst), lse = a(lset), logp = a(logpt);
        Parallel.forRange(rows, 4, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int g = row0 + r; // the row of the batch; r is the block's
                if (targets[g] < 0) {
                    lse[g] = 0f;
                    logp[g] = 0f;
                    continue;
                }
                int o = r * vocab;
                float m = max(z, o, vocab);
                double s = expVectors(z, o, 1f, m, 1f, null, 0, vocab);
                for (int i = vocab - vocab % L; i < vocab; i++) s += Math.exp(z[o + i] - m);
                float l = m + (float) Math.log(s);
                lse[g] = l;
                logp[g] = z[o + targets[g]] - l;
            }
        });
    }

    @Override
    public void crossEntropyBackward(Tensor logitst, Tensor lset, int[] targets, int row0, Tensor weightst, int rows, int vocab) {
        float[] z = a(logitst), lse = a(lset), w = a(weightst);
        Parallel.forRange(rows, 4, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int g = row0 + r, o = r * vocab;
                float wr = w[g];
                if (targets[g] < 0 || wr == 0f) {
                    Arrays.fill(z, o, o + vocab, 0f);
                    continue;
                }
                float l = lse[g], neg = -wr;
                expVectors(z, o, 1f, l, neg, z, o, vocab);
                for (int i = vocab - vocab % L; i < vocab; i++) z[o + i] = neg * (float) Math.exp(z[o + i] - l);
                z[o + targets[g]] += wr;
            }
        });
    }

    @Override
    public void adamw(Tensor paramt, Tensor gradt, Tensor mt, Tensor vt, long n, float lr, float beta1, float beta2,
                      float eps, float weightDecay, int step) {
        float[] p = a(paramt), g = a(gradt), m = a(mt), v = a(vt);
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        float stepSize = lr / bc1, invSqrtBc2 = (float) (1 / Math.sqrt(bc2)), decay = 1f - lr * weightDecay;
        float c1 = 1 - beta1, c2 = 1 - beta2;
        Parallel.forRange((int) n, 1 << 14, (lo, hi) -> {
            int i = lo;
            for (; i <= hi - L; i += L) {
                var gv = FloatVector.fromArray(S, g, i);
                var mv = FloatVector.fromArray(S, m, i).mul(beta1).add(gv.mul(c1));
                var vv = FloatVector.fromArray(S, v, i).mul(beta2).add(gv.mul(gv).mul(c2));
                mv.intoArray(m, i);
                vv.intoArray(v, i);
                var denom = vv.sqrt().mul(invSqrtBc2).add(eps);
                FloatVector.fromArray(S, p, i).mul(decay).sub(mv.mul(stepSize).div(denom)).intoArray(p, i);
            }
            for (; i < hi; i++) {
                m[i] = beta1 * m[i] + c1 * g[i];
                v[i] = beta2 * v[i] + c2 * g[i] * g[i];
                p[i] = p[i] * decay - stepSize * m[i] / ((float) Math.sqrt(v[i]) * invSqrtBc2 + eps);
            }
        });
    }

    // ---- vector helpers ----

    /**
     * {@code y[yo + j] = c · e^(sign · x[xo + j] − shift)} for the j below n that fill whole vectors (y may be x, or
     * null to only sum), returning the sum of those values by {@link #hsum}'s tree; callers do the last n mod L in
     * scalar code. The one vectorised e^x: Cephes expf (2^n · e^r, |r| ≤ ln2/2, degree-6 polynomial, about 1 ulp) —
     * the Vector API's own EXP gives different bits interpreted and compiled, which would make training depend on JIT
     * timing. Arrays in and out, the polynomial and the sum written out here: once a method reaches C2's node budget
     * (the attention loops, with the products inlined, do) it stops inlining, and a vector handed to a call it did not
     * inline is boxed — written as {@code exp(FloatVector)} and {@code hsum(FloatVector)} helpers, attention's softmax
     * allocated 0.4–1.5 MB a training step that way. The accumulator is the argument, not the receiver, of the add
     * that updates it: a loop phi's class is not known while C2 parses the loop, so a call on it is bound from the type
     * profile, and other vector shapes run in the same JVM can spoil that profile (seen in the engine's test suite).
     */
    static float expVectors(float[] x, int xo, float sign, float shift, float c, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i <= n - L; i += L) {
            var t = FloatVector.fromArray(S, x, xo + i).mul(sign).sub(shift).max(-87.0f).min(88.0f);
            var k = t.mul(1.44269504088896341f).add(12582912f).sub(12582912f); // round to nearest via the 1.5·2^23 trick
            var r = t.sub(k.mul(0.693359375f)).sub(k.mul(-2.12194440e-4f));
            var p = r.mul(1.9875691500E-4f).add(1.3981999507E-3f)
                    .mul(r).add(8.3334519073E-3f)
                    .mul(r).add(4.1665795894E-2f)
                    .mul(r).add(1.6666665459E-1f)
                    .mul(r).add(5.0000001201E-1f);
            var pow2 = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            var e = p.mul(r.mul(r)).add(r).add(1f).mul(pow2).mul(c);
            if (y != null) e.intoArray(y, yo + i);
            acc = e.add(acc); // the fresh vector as receiver: its class is known without a profile
        }
        // hsum's tree, written out for the reason above
        for (int s = L / 2; s > 8; s /= 2) acc = acc.add(acc.rearrange(fold(s)));
        if (L > 8) acc = acc.add(acc.rearrange(FOLD8));
        if (L > 4) acc = acc.add(acc.rearrange(FOLD4));
        if (L > 2) acc = acc.add(acc.rearrange(FOLD2));
        if (L > 1) acc = acc.add(acc.rearrange(FOLD1));
        return acc.lane(0);
    }

    /**
     * Lane i ← lane i + lane (i + s) mod L for s = L/2 … 1: a fixed summation tree. One constant per step, not an
     * array of shuffles: C2 intrinsifies {@code rearrange} only when the shuffle's class is a constant, and a shuffle
     * read from an array element is not: that fallback was 1.2 of the 1.5 MB a training step allocated (attention's
     * softmax sums, at StepAllocationTest's shape).
     */
    private static final VectorShuffle<Float> FOLD8 = fold(8), FOLD4 = fold(4), FOLD2 = fold(2), FOLD1 = fold(1);

    private static VectorShuffle<Float> fold(int s) {
        return VectorShuffle.fromOp(S, i -> (i + s) % L);
    }

    /**
     * Horizontal sum in a fixed order. {@code reduceLanes(ADD)} may sum in a different order once C2 compiles it,
     * which makes training depend on JIT timing; this tree gives the same bits interpreted or compiled. {@code L} is a
     * constant, so the steps a shape does not take fold away.
     */
    static float hsum(FloatVector v) {
        for (int s = L / 2; s > 8; s /= 2) v = v.add(v.rearrange(fold(s))); // wider than AVX-512 (e.g. SVE): correct, not tuned
        if (L > 8) v = v.add(v.rearrange(FOLD8));
        if (L > 4) v = v.add(v.rearrange(FOLD4));
        if (L > 2) v = v.add(v.rearrange(FOLD2));
        if (L > 1) v = v.add(v.rearrange(FOLD1));
        return v.lane(0);
    }

    static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) acc = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), acc);
        float s = hsum(acc);
        for (; i < n; i++) s += x[xo + i] * y[yo + i];
        return s;
    }

    private static void addTo(float[] y, int yo, float[] x, int xo, int n) {
        int i = 0;
        for (; i <= n - L; i += L)
            FloatVector.fromArray(S, y, yo + i).add(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] += x[xo + i];
    }

    private static float max(float[] x, int o, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) acc = FloatVector.fromArray(S, x, o + i).max(acc); // receiver: as in expVectors
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, x[o + i]);
        return m;
    }

    /** {@code p[j] = exp(p[j] − max)} for j < n; returns their sum. */
    private static float expInPlace(float[] p, int n, float max) {
        return expInPlace(p, 0, n, max);
    }

    private static float expInPlace(float[] p, int o, int n, float max) {
        float s = expVectors(p, o, 1f, max, 1f, p, o, n);
        for (int i = n - n % L; i < n; i++) {
            p[o + i] = (float) Math.exp(p[o + i] - max);
            s += p[o + i];
        }
        return s;
    }

    // ---- LoRA (kernels in their own files) ----

    @Override
    public void dropout(Tensor x, Tensor y, long n, float p, long seed) {
        Dropout.apply(a(x), a(y), Math.toIntExact(n), p, seed);
    }
}
