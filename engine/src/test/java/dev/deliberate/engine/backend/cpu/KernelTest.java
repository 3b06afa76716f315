package dev.deliberate.engine.backend.cpu;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every CPU kernel against a naive scalar twin computed in double, and every backward against central finite
 * differences of that double twin (so the reference gradient is exact to ~1e-9 and the fp32 kernel is what is
 * being tested). Sizes are odd on purpose so vector tails run.
 */
class KernelTest {
    final Backend be = backend();

    /** The backend under test (BlasKernelTest runs every kernel test again on cpu-blas). */
    Backend backend() {
        return new CpuBackend();
    }
    final Random rnd = new Random(42);

    float[] randn(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }

    Tensor t(float[] a) {
        Tensor x = be.allocate(a.length);
        be.upload(a, 0, x, 0, a.length);
        return x;
    }

    float[] get(Tensor x) {
        float[] a = new float[(int) x.size()];
        be.download(x, 0, a, 0, a.length);
        return a;
    }

    static double[] d(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    static void close(double[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double scale = 0;
        for (double w : want) scale = Math.max(scale, Math.abs(w));
        for (int i = 0; i < want.length; i++)
            if (Math.abs(want[i] - got[i]) > tol * Math.max(1, scale))
                fail(what + "[" + i + "]: want " + want[i] + ", got " + got[i] + " (tolerance " + tol + " × " + Math.max(1, scale) + ")");
    }

    /** ∂(Σ dy·f(x))/∂x by central differences on a double function. */
    static double[] numericGrad(Function<double[], double[]> f, double[] x, double[] dy) {
        double[] g = new double[x.length];
        double h = 1e-6;
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + h;
            double[] up = f.apply(x);
            x[i] = keep - h;
            double[] dn = f.apply(x);
            x[i] = keep;
            double s = 0;
            for (int j = 0; j < up.length; j++) s += dy[j] * (up[j] - dn[j]);
            g[i] = s / (2 * h);
        }
        return g;
    }

    // ---------------------------------------------------------------- matmul

    @Test
    void matmulAllTransposesAndAccumulate() {
        int m = 7, n = 13, k = 19;
        for (boolean ta : new boolean[]{false, true})
            for (boolean tb : new boolean[]{false, true})
                for (boolean acc : new boolean[]{false, true}) {
                    float[] a = randn(m * k, 1), b = randn(k * n, 1), c0 = randn(m * n, 1);
                    Tensor ct = t(c0);
                    be.matmul(ta, tb, m, n, k, t(a), 0, t(b), 0, ct, 0, acc);
                    double[] want = new double[m * n];
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) {
                            double s = acc ? c0[i * n + j] : 0;
                            for (int p = 0; p < k; p++)
                                s += (double) (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                            want[i * n + j] = s;
                        }
                    close(want, get(ct), 1e-5, "matmul ta=" + ta + " tb=" + tb + " acc=" + acc);
                }
    }

    @Test
    void biasAddAndBackward() {
        int rows = 5, cols = 37;
        float[] y = randn(rows * cols, 1), b = randn(cols, 1), dy = randn(rows * cols, 1), db0 = randn(cols, 1);
        Tensor yt = t(y), dbt = t(db0);
        be.biasAdd(yt, t(b), rows, cols);
        be.biasBackward(t(dy), dbt, rows, cols);
        double[] want = new double[rows * cols], dbw = d(db0);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                want[r * cols + c] = y[r * cols + c] + b[c];
                dbw[c] += dy[r * cols + c];
            }
        close(want, get(yt), 1e-6, "biasAdd");
        close(dbw, get(dbt), 1e-6, "biasBackward");
    }

    // ---------------------------------------------------------------- rmsnorm

    static double[] rmsnormRef(double[] x, double[] w, int rows, int cols, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int c = 0; c < cols; c++) ss += x[r * cols + c] * x[r * cols + c];
            double rs = 1 / Math.sqrt(ss / cols + eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] * rs * w[c];
        }
        return y;
    }

    @Test
    void rmsnormForwardBackward() {
        int rows = 6, cols = 45;
        float eps = 1e-5f;
        float[] x = randn(rows * cols, 1), w = randn(cols, 1), dy = randn(rows * cols, 1), dx0 = randn(rows * cols, 1);
        Tensor y = be.allocate(rows * cols), rstd = be.allocate(rows), dx = t(dx0), dw = be.allocate(cols);
        be.rmsnorm(t(x), t(w), y, rstd, rows, cols, eps);
        double[] xd = d(x), wd = d(w);
        close(rmsnormRef(xd, wd, rows, cols, eps), get(y), 1e-5, "rmsnorm");
        be.rmsnormBackward(t(dy), t(x), t(w), rstd, dx, dw, rows, cols);
        double[] gx = numericGrad(v -> rmsnormRef(v, wd, rows, cols, eps), xd, d(dy));
        for (int i = 0; i < gx.length; i++) gx[i] += dx0[i]; // dx accumulates
        close(gx, get(dx), 1e-4, "rmsnorm dx");
        close(numericGrad(v -> rmsnormRef(xd, v, rows, cols, eps), wd, d(dy)), get(dw), 1e-4, "rmsnorm dw");
    }

    // ---------------------------------------------------------------- rope

    static double[] ropeRef(double[] x, int rows, int heads, int hd, int[] pos, double[] inv) {
        double[] y = x.clone();
        int half = hd / 2;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < half; i++) {
                    int o = r * heads * hd + h * hd;
                    double a = pos[r] * inv[i], x1 = x[o + i], x2 = x[o + half + i];
                    y[o + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                    y[o + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
                }
        return y;
    }

    @Test
    void ropeForwardBackward() {
        int rows = 5, heads = 3, hd = 40, half = hd / 2, maxPos = 50;
        int[] pos = {0, 7, 3, 49, 11};
        double[] inv = new double[half];
        float[] cos = new float[maxPos * half], sin = new float[maxPos * half];
        for (int i = 0; i < half; i++) inv[i] = Math.pow(10000, -2.0 * i / hd);
        for (int p = 0; p < maxPos; p++)
            for (int i = 0; i < half; i++) {
                cos[p * half + i] = (float) Math.cos(p * inv[i]);
                sin[p * half + i] = (float) Math.sin(p * inv[i]);
            }
        float[] x = randn(rows * heads * hd, 1), dy = randn(rows * heads * hd, 1);
        Tensor xt = t(x), dyt = t(dy);
        be.rope(xt, rows, heads, hd, pos, t(cos), t(sin));
        close(ropeRef(d(x), rows, heads, hd, pos, inv), get(xt), 1e-5, "rope");
        be.ropeBackward(dyt, rows, heads, hd, pos, t(cos), t(sin));
        close(numericGrad(v -> ropeRef(v, rows, heads, hd, pos, inv), d(x), d(dy)), get(dyt), 1e-4, "rope backward");
    }

    // ---------------------------------------------------------------- attention

    /** Causal GQA attention over a right-padded batch, straight from the definition. */
    static double[] attentionRef(double[] q, double[] k, double[] v, int batch, int seq, int[] lengths, int heads,
                                 int kvHeads, int hd) {
        double[] out = new double[batch * seq * heads * hd];
        int qw = heads * hd, kw = kvHeads * hd;
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                for (int t = 0; t < lengths[b]; t++) {
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < hd; i++)
                            s[j] += q[(b * seq + t) * qw + h * hd + i] * k[(b * seq + j) * kw + kvh * hd + i];
                        s[j] /= Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    for (int j = 0; j <= t; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j <= t; j++)
                        for (int i = 0; i < hd; i++)
                            out[(b * seq + t) * qw + h * hd + i] += s[j] / sum * v[(b * seq + j) * kw + kvh * hd + i];
                }
            }
        return out;
    }

    @Test
    void attentionForwardBackwardWithPaddingAndGqa() {
        for (int block : new int[]{CpuBackend.ATTENTION_BLOCK, 8}) attentionCase(block);
    }

    void attentionCase(int block) {
        var be = (CpuBackend) this.be;
        int batch = 2, seq = 35, heads = 2, kvHeads = 1, hd = 20; // ≥ 2 vector widths of keys, a head-dim tail
        int[] lengths = {35, 19};
        int n = batch * seq;
        float[] q = randn(n * heads * hd, 1), k = randn(n * kvHeads * hd, 1), v = randn(n * kvHeads * hd, 1);
        float[] dout = randn(n * heads * hd, 1);
        for (int t = lengths[1]; t < seq; t++) // padded rows carry no gradient, as the model guarantees
            for (int i = 0; i < heads * hd; i++) dout[(seq + t) * heads * hd + i] = 0;
        Tensor out = be.allocate(n * heads * hd), lse = be.allocate(n * heads);
        be.attention(t(q), t(k), t(v), out, lse, batch, seq, lengths, heads, kvHeads, hd, block);
        double[] qd = d(q), kd = d(k), vd = d(v);
        close(attentionRef(qd, kd, vd, batch, seq, lengths, heads, kvHeads, hd), get(out), 1e-5, "attention, block " + block);

        Tensor dq = be.allocate(q.length), dk = be.allocate(k.length), dv = be.allocate(v.length);
        be.attentionBackward(t(dout), t(q), t(k), t(v), out, lse, dq, dk, dv, batch, seq, lengths, heads, kvHeads, hd, block);
        double[] dd = d(dout);
        close(numericGrad(x -> attentionRef(x, kd, vd, batch, seq, lengths, heads, kvHeads, hd), qd, dd), get(dq), 1e-4, "dq, block " + block);
        close(numericGrad(x -> attentionRef(qd, x, vd, batch, seq, lengths, heads, kvHeads, hd), kd, dd), get(dk), 1e-4, "dk, block " + block);
        close(numericGrad(x -> attentionRef(qd, kd, x, batch, seq, lengths, heads, kvHeads, hd), vd, dd), get(dv), 1e-4, "dv, block " + block);
    }

    @Test
    void cachedAttentionEqualsFullAttention() {
        int seq = 41, heads = 4, kvHeads = 2, hd = 24, slots = 3, maxSeq = 44, slot = 2;
        float[] q = randn(seq * heads * hd, 1), k = randn(seq * kvHeads * hd, 1), v = randn(seq * kvHeads * hd, 1);
        Tensor out = be.allocate(q.length), lse = be.allocate(seq * heads);
        be.attention(t(q), t(k), t(v), out, lse, 1, seq, new int[]{seq}, heads, kvHeads, hd);
        int kw = kvHeads * hd;
        Tensor kc = be.allocate(slots * maxSeq * kw), vc = be.allocate(slots * maxSeq * kw);
        int[] slotsOf = new int[seq], pos = new int[seq];
        for (int i = 0; i < seq; i++) {
            slotsOf[i] = slot;
            pos[i] = i;
        }
        be.writeKvCache(t(k), t(v), kc, vc, seq, slotsOf, pos, maxSeq, kvHeads, hd);
        Tensor out2 = be.allocate(q.length);
        be.attentionCached(t(q), kc, vc, out2, seq, slotsOf, pos, maxSeq, heads, kvHeads, hd);
        close(d(get(out)), get(out2), 1e-6, "cached attention");
    }

    // ---------------------------------------------------------------- swiglu, embedding

    static double[] swigluRef(double[] g, double[] u) {
        double[] h = new double[g.length];
        for (int i = 0; i < g.length; i++) h[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        return h;
    }

    @Test
    void swigluForwardBackward() {
        int n = 53;
        float[] g = randn(n, 2), u = randn(n, 1), dh = randn(n, 1);
        Tensor h = be.allocate(n), dg = be.allocate(n), du = be.allocate(n);
        be.swiglu(t(g), t(u), h, n);
        double[] gd = d(g), ud = d(u);
        close(swigluRef(gd, ud), get(h), 1e-5, "swiglu");
        be.swigluBackward(t(dh), t(g), t(u), dg, du, n);
        close(numericGrad(x -> swigluRef(x, ud), gd, d(dh)), get(dg), 1e-4, "swiglu dgate");
        close(numericGrad(x -> swigluRef(gd, x), ud, d(dh)), get(du), 1e-4, "swiglu dup");
    }

    @Test
    void embeddingForwardBackward() {
        int vocab = 11, cols = 35, rows = 6;
        int[] tokens = {3, 0, 3, 10, 7, 3};
        float[] table = randn(vocab * cols, 1), dout = randn(rows * cols, 1);
        Tensor out = be.allocate(rows * cols), dtab = be.allocate(vocab * cols);
        be.embedding(t(table), tokens, out, rows, cols);
        be.embeddingBackward(t(dout), tokens, dtab, rows, cols);
        double[] want = new double[rows * cols], dwant = new double[vocab * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                want[r * cols + c] = table[tokens[r] * cols + c];
                dwant[tokens[r] * cols + c] += dout[r * cols + c];
            }
        close(want, get(out), 0, "embedding");
        close(dwant, get(dtab), 1e-6, "embedding backward");
    }

    // ---------------------------------------------------------------- softmax cross-entropy

    static double[] logpRef(double[] z, int[] targets, int rows, int vocab) {
        double[] lp = new double[rows];
        for (int r = 0; r < rows; r++) {
            if (targets[r] < 0) continue;
            double max = Double.NEGATIVE_INFINITY, s = 0;
            for (int v = 0; v < vocab; v++) max = Math.max(max, z[r * vocab + v]);
            for (int v = 0; v < vocab; v++) s += Math.exp(z[r * vocab + v] - max);
            lp[r] = z[r * vocab + targets[r]] - max - Math.log(s);
        }
        return lp;
    }

    @Test
    void crossEntropyForwardBackwardWithIgnoredRows() {
        int rows = 5, vocab = 67;
        int[] targets = {4, -1, 66, 0, 12};
        float[] z = randn(rows * vocab, 3), w = {-0.5f, 0.7f, 0.25f, 0f, 1.5f};
        Tensor zt = t(z), lse = be.allocate(rows), logp = be.allocate(rows);
        be.crossEntropy(zt, targets, lse, logp, rows, vocab);
        double[] zd = d(z);
        close(logpRef(zd, targets, rows, vocab), get(logp), 1e-5, "logp");
        be.crossEntropyBackward(zt, lse, targets, t(w), rows, vocab);
        double[] wd = d(w);
        wd[1] = 0; // an ignored row contributes nothing whatever its weight
        close(numericGrad(x -> logpRef(x, targets, rows, vocab), zd, wd), get(zt), 1e-4, "dlogits");
    }

    // ---------------------------------------------------------------- optimizer and reductions

    @Test
    void adamwMatchesTorchUpdateOverSteps() {
        int n = 37;
        float[] p = randn(n, 1), m = new float[n], v = new float[n];
        double[] pd = d(p), md = new double[n], vd = new double[n];
        Tensor pt = t(p), mt = t(m), vt = t(v);
        double lr = 1e-2, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
        for (int step = 1; step <= 3; step++) {
            float[] g = randn(n, 1);
            be.adamw(pt, t(g), mt, vt, n, (float) lr, (float) b1, (float) b2, (float) eps, (float) wd, step);
            for (int i = 0; i < n; i++) { // torch.optim.AdamW, written out
                pd[i] *= 1 - lr * wd;
                md[i] = b1 * md[i] + (1 - b1) * g[i];
                vd[i] = b2 * vd[i] + (1 - b2) * g[i] * g[i];
                double mh = md[i] / (1 - Math.pow(b1, step)), vh = vd[i] / (1 - Math.pow(b2, step));
                pd[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        }
        close(pd, get(pt), 1e-5, "adamw");
    }

    @Test
    void sumOfSquaresAndScale() {
        int n = 100_003;
        float[] x = randn(n, 1);
        double want = 0;
        for (float f : x) want += (double) f * f;
        Tensor xt = t(x);
        assertEquals(want, be.sumOfSquares(xt, n), want * 1e-6);
        be.scale(xt, n, 0.5f);
        double[] half = new double[n];
        for (int i = 0; i < n; i++) half[i] = x[i] * 0.5;
        close(half, get(xt), 1e-7, "scale");
    }
}
