package dev.deliberate.engine.backend;

import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link Backend} decorator that times every kernel call, for finding where a step's time goes
 * ({@code deliberate bench engine --profile}). Wall-clock per kernel name; not thread-safe across concurrent callers.
 * The GEMMs and the attention kernels also count their floating-point operations (multiply and add counted apart), so
 * the report can say how far each one is from the machine's peak.
 */
public final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> stats = new TreeMap<>();

    public ProfilingBackend(Backend inner) {
        this.inner = inner;
    }

    /** kernel name → {calls, nanoseconds, flops}. */
    public Map<String, long[]> stats() {
        return stats;
    }

    public void reset() {
        stats.clear();
    }

    /** The breakdown as text, slowest kernel first, with each one's share of the total. */
    public String report(String title, int perSteps) {
        return report(title, perSteps, 0);
    }

    /**
     * As {@link #report(String, int)}, with GFLOP/s for the kernels that count their operations and, when
     * {@code peakGflops > 0} (the machine's measured FMA peak for the threads used), their percentage of it.
     */
    public String report(String title, int perSteps, double peakGflops) {
        long total = 0;
        for (long[] s : stats.values()) total += s[1];
        var sb = new StringBuilder(String.format("%s — kernel time per step (%d steps):%n", title, perSteps));
        long all = total;
        stats.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).forEach(e -> {
            long[] s = e.getValue();
            sb.append(String.format("  %-22s %9.1f ms %6.1f%% %8d calls", e.getKey(), s[1] / 1e6 / perSteps,
                    100.0 * s[1] / Math.max(1, all), s[0] / perSteps));
            if (s[2] > 0) {
                double gflops = s[2] / (double) Math.max(1, s[1]); // flops per ns = GFLOP/s
                sb.append(String.format(" %8.1f GFLOP/s", gflops));
                if (peakGflops > 0) sb.append(String.format(" %5.1f%% of peak", 100 * gflops / peakGflops));
            }
            sb.append(String.format("%n"));
        });
        return sb.toString();
    }

    private void add(String k, long t0) {
        add(k, t0, 0);
    }

    private void add(String k, long t0, long flops) {
        long[] s = stats.computeIfAbsent(k, x -> new long[3]);
        s[0]++;
        s[1] += System.nanoTime() - t0;
        s[2] += flops;
    }

    /** Query-key pairs a causal pass over a right-padded batch visits: each sequence's L (L + 1) / 2. */
    private static long causalPairs(int batch, int seq, int[] lengths) {
        long pairs = 0;
        for (int b = 0; b < batch; b++) {
            long len = lengths == null ? seq : lengths[b];
            pairs += len * (len + 1) / 2;
        }
        return pairs;
    }

    @Override
    public String name() {
        return inner.name() + " (profiled)";
    }

    @Override
    public Tensor allocate(long n) {
        long t0 = System.nanoTime();
        Tensor r = inner.allocate(n);
        add("allocate", t0);
        return r;
    }

    @Override
    public void upload(float[] src, int srcOff, Tensor dst, long dstOff, int n) {
        long t0 = System.nanoTime();
        inner.upload(src, srcOff, dst, dstOff, n);
        add("upload", t0);
    }

    @Override
    public void download(Tensor src, long srcOff, float[] dst, int dstOff, int n) {
        long t0 = System.nanoTime();
        inner.download(src, srcOff, dst, dstOff, n);
        add("download", t0);
    }

    @Override
    public void zero(Tensor t) {
        long t0 = System.nanoTime();
        inner.zero(t);
        add("zero", t0);
    }

    @Override
    public Tensor toBf16(Tensor src) {
        long t0 = System.nanoTime();
        Tensor r = inner.toBf16(src);
        add("toBf16", t0);
        return r;
    }

    @Override
    public Tensor toFp32(Tensor src) {
        long t0 = System.nanoTime();
        Tensor r = inner.toFp32(src);
        add("toFp32", t0);
        return r;
    }

    @Override
    public void copy(Tensor src, long srcOff, Tensor dst, long dstOff, long n) {
        long t0 = System.nanoTime();
        inner.copy(src, srcOff, dst, dstOff, n);
        add("copy", t0);
    }

    @Override
    public void writeKvCache(Tensor k, Tensor v, Tensor kCache, Tensor vCache, int rows, int[] slots, int[] positions,
                             int maxSeq, int kvHeads, int headDim) {
        long t0 = System.nanoTime();
        inner.writeKvCache(k, v, kCache, vCache, rows, slots, positions, maxSeq, kvHeads, headDim);
        add("writeKvCache", t0);
    }

    @Override
    public void gatherRows(Tensor src, Tensor dst, int rows, int cols, int[] srcRows) {
        long t0 = System.nanoTime();
        inner.gatherRows(src, dst, rows, cols, srcRows);
        add("gatherRows", t0);
    }

    @Override
    public void add(Tensor dst, Tensor src, long n) {
        long t0 = System.nanoTime();
        inner.add(dst, src, n);
        add("add", t0);
    }

    @Override
    public void scale(Tensor t, long n, float s) {
        long t0 = System.nanoTime();
        inner.scale(t, n, s);
        add("scale", t0);
    }

    @Override
    public double sumOfSquares(Tensor t, long n) {
        long t0 = System.nanoTime();
        double r = inner.sumOfSquares(t, n);
        add("sumOfSquares", t0);
        return r;
    }

    @Override
    public void matmul(boolean transA, boolean transB, int m, int n, int k, Tensor a, long aOff, Tensor b, long bOff,
                Tensor c, long cOff, boolean accumulate) {
        long t0 = System.nanoTime();
        inner.matmul(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        add("matmul " + (transA ? "T" : "N") + (transB ? "T" : "N"), t0, 2L * m * n * k);
    }

    @Override
    public void biasAdd(Tensor y, Tensor bias, int rows, int cols) {
        long t0 = System.nanoTime();
        inner.biasAdd(y, bias, rows, cols);
        add("biasAdd", t0);
    }

    @Override
    public void biasBackward(Tensor dy, Tensor dbias, int rows, int cols) {
        long t0 = System.nanoTime();
        inner.biasBackward(dy, dbias, rows, cols);
        add("biasBackward", t0);
    }

    @Override
    public void rmsnorm(Tensor x, Tensor w, Tensor y, Tensor rstd, int rows, int cols, float eps) {
        long t0 = System.nanoTime();
        inner.rmsnorm(x, w, y, rstd, rows, cols, eps);
        add("rmsnorm", t0);
    }

    @Override
    public void rmsnormBackward(Tensor dy, Tensor x, Tensor w, Tensor rstd, Tensor dx, Tensor dw, int rows, int cols) {
        long t0 = System.nanoTime();
        inner.rmsnormBackward(dy, x, w, rstd, dx, dw, rows, cols);
        add("rmsnormBackward", t0);
    }

    @Override
    public void rope(Tensor x, int rows, int heads, int headDim, int[] positions, Tensor cos, Tensor sin) {
        long t0 = System.nanoTime();
        inner.rope(x, rows, heads, headDim, positions, cos, sin);
        add("rope", t0);
    }

    @Override
    public void ropeBackward(Tensor dx, int rows, int heads, int headDim, int[] positions, Tensor cos, Tensor sin) {
        long t0 = System.nanoTime();
        inner.ropeBackward(dx, rows, heads, headDim, positions, cos, sin);
        add("ropeBackward", t0);
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, int batch, int seq, int[] lengths,
                   int heads, int kvHeads, int headDim) {
        long t0 = System.nanoTime();
        inner.attention(q, k, v, out, lse, batch, seq, lengths, heads, kvHeads, headDim);
        add("attention", t0, 4L * headDim * heads * causalPairs(batch, seq, lengths)); // q·k and p·v per pair
    }

    @Override
    public void attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dq, Tensor dk,
                           Tensor dv, int batch, int seq, int[] lengths, int heads, int kvHeads, int headDim) {
        long t0 = System.nanoTime();
        inner.attentionBackward(dout, q, k, v, out, lse, dq, dk, dv, batch, seq, lengths, heads, kvHeads, headDim);
        // per pair: q·k recomputed, dv += p·do, dp = do·v, dq += ds·k, dk += ds·q
        add("attentionBackward", t0, 10L * headDim * heads * causalPairs(batch, seq, lengths));
    }

    @Override
    public void attentionCached(Tensor q, Tensor kCache, Tensor vCache, Tensor out, int rows, int[] slots, int[] positions,
                         int maxSeq, int heads, int kvHeads, int headDim) {
        long t0 = System.nanoTime();
        inner.attentionCached(q, kCache, vCache, out, rows, slots, positions, maxSeq, heads, kvHeads, headDim);
        long keys = 0;
        for (int r = 0; r < rows; r++) keys += positions[r] + 1;
        add("attentionCached", t0, 4L * headDim * heads * keys);
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor h, long n) {
        long t0 = System.nanoTime();
        inner.swiglu(gate, up, h, n);
        add("swiglu", t0);
    }

    @Override
    public void swigluBackward(Tensor dh, Tensor gate, Tensor up, Tensor dgate, Tensor dup, long n) {
        long t0 = System.nanoTime();
        inner.swigluBackward(dh, gate, up, dgate, dup, n);
        add("swigluBackward", t0);
    }

    @Override
    public void embedding(Tensor table, int[] tokens, Tensor out, int rows, int cols) {
        long t0 = System.nanoTime();
        inner.embedding(table, tokens, out, rows, cols);
        add("embedding", t0);
    }

    @Override
    public void embeddingBackward(Tensor dout, int[] tokens, Tensor dtable, int rows, int cols) {
        long t0 = System.nanoTime();
        inner.embeddingBackward(dout, tokens, dtable, rows, cols);
        add("embeddingBackward", t0);
    }

    @Override
    public void crossEntropy(Tensor logits, int[] targets, int row0, Tensor lse, Tensor logp, int rows, int vocab) {
        long t0 = System.nanoTime();
        inner.crossEntropy(logits, targets, row0, lse, logp, rows, vocab);
        add("crossEntropy", t0);
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor lse, int[] targets, int row0, Tensor weights, int rows, int vocab) {
        long t0 = System.nanoTime();
        inner.crossEntropyBackward(logits, lse, targets, row0, weights, rows, vocab);
        add("crossEntropyBackward", t0);
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, long n, float lr, float beta1, float beta2, float eps,
               float weightDecay, int step) {
        long t0 = System.nanoTime();
        inner.adamw(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step);
        add("adamw", t0);
    }

    @Override
    public void dropout(Tensor x, Tensor y, long n, float p, long seed) {
        long t0 = System.nanoTime();
        inner.dropout(x, y, n, p, seed);
        add("dropout", t0);
    }

    @Override
    public void close() {
        inner.close();
    }
}
