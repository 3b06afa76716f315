package dev.deliberate.engine.backend;

/**
 * The fixed kernel set the transformer and its trainer are written against (llm.c style: one kernel, one method,
 * sizes in the signature). Tensors are flat row-major fp32 buffers owned by the backend; host data only crosses
 * the boundary through {@link #upload}/{@link #download}, and small integer metadata (tokens, targets, positions,
 * lengths) is passed as host {@code int[]} arrays that a device backend copies in.
 *
 * <p>Layouts: activations are {@code [rows, cols]} with {@code rows = batch × seq} for a right-padded batch
 * (row {@code b*seq + t}); attention heads are contiguous column blocks of {@code headDim}; linear weights are
 * HF's {@code [out, in]}. Kernels named {@code …Backward} accumulate parameter gradients ({@code +=}) so gradient
 * accumulation over micro-batches is free; activation gradients are overwritten unless a parameter says otherwise.
 */
public interface Backend extends AutoCloseable {

    String name();

    // ---- memory ----

    /** A zero-filled tensor of {@code n} elements. */
    Tensor allocate(long n);

    void upload(float[] src, int srcOff, Tensor dst, long dstOff, int n);

    void download(Tensor src, long srcOff, float[] dst, int dstOff, int n);

    void zero(Tensor t);

    /**
     * A bf16 copy of the fp32 tensor {@code src} ({@link Bf16#fromFloat}: round to nearest even), for a frozen weight
     * held at half the memory (LoRA's {@code --base-dtype bf16}); the caller drops {@code src}. Such a tensor is read
     * only as {@link #matmul}'s B operand, by {@link #embedding} (as the table) and by {@link #download} (widened);
     * every other kernel rejects it. Backends without bf16 storage say so.
     */
    default Tensor toBf16(Tensor src) {
        throw new UnsupportedOperationException(name() + " cannot hold bf16 tensors (--base-dtype bf16); use --base-dtype fp32");
    }

    /** An fp32 copy of {@code src} (a bf16 tensor is widened exactly; an fp32 one copied). */
    default Tensor toFp32(Tensor src) {
        int n = Math.toIntExact(src.size());
        float[] v = new float[n];
        download(src, 0, v, 0, n);
        Tensor out = allocate(n);
        upload(v, 0, out, 0, n);
        return out;
    }

    void copy(Tensor src, long srcOff, Tensor dst, long dstOff, long n);

    /** {@code dst[r] = src[srcRows[r]]} for rows of {@code cols} elements. */
    void gatherRows(Tensor src, Tensor dst, int rows, int cols, int[] srcRows);

    // ---- elementwise and reductions ----

    /** {@code dst[i] += src[i]}. */
    void add(Tensor dst, Tensor src, long n);

    /** {@code t[i] *= s}. */
    void scale(Tensor t, long n, float s);

    /** Σ t[i]², accumulated in double (for the global gradient norm). */
    double sumOfSquares(Tensor t, long n);

    // ---- linear algebra ----

    /**
     * {@code C[m×n] (+)= op(A)·op(B)} with contiguous rows: A is {@code m×k} ({@code k×m} if {@code transA}), B is
     * {@code k×n} ({@code n×k} if {@code transB}), starting at the given element offsets. B may be a bf16 tensor
     * ({@link #toBf16}): it is widened to fp32 as it is read, so C is exactly what this kernel gives for fp32 B holding
     * the widened values — no fp32 copy of B is kept.
     */
    void matmul(boolean transA, boolean transB, int m, int n, int k, Tensor a, long aOff, Tensor b, long bOff,
                Tensor c, long cOff, boolean accumulate);

    /** {@code y[r, :] += bias}. */
    void biasAdd(Tensor y, Tensor bias, int rows, int cols);

    /** {@code dbias += Σ_r dy[r, :]}. */
    void biasBackward(Tensor dy, Tensor dbias, int rows, int cols);

    // ---- transformer kernels ----

    /** RMSNorm: {@code y = x / sqrt(mean(x²) + eps) ⊙ w}; saves {@code rstd[r]} for the backward. */
    void rmsnorm(Tensor x, Tensor w, Tensor y, Tensor rstd, int rows, int cols, float eps);

    /** {@code dx += ∂L/∂x} (accumulates, so residual branches add up), {@code dw += ∂L/∂w}. */
    void rmsnormBackward(Tensor dy, Tensor x, Tensor w, Tensor rstd, Tensor dx, Tensor dw, int rows, int cols);

    /**
     * Rotary embedding in place, HF {@code rotate_half} layout: per head, {@code (x1, x2) → (x1·cos − x2·sin,
     * x2·cos + x1·sin)} over the two halves. {@code cos}/{@code sin} are tables {@code [maxPos, headDim/2]};
     * {@code positions[r]} is row r's position.
     */
    void rope(Tensor x, int rows, int heads, int headDim, int[] positions, Tensor cos, Tensor sin);

    /** The transpose of {@link #rope}: rotates gradients back by −angle, in place. */
    void ropeBackward(Tensor dx, int rows, int heads, int headDim, int[] positions, Tensor cos, Tensor sin);

    /**
     * Causal grouped-query attention over a right-padded batch: for sequence b, query t < lengths[b] attends keys
     * 0..t of the same sequence with scale 1/sqrt(headDim); rows at t ≥ lengths[b] get zeros. Saves the
     * log-sum-exp {@code lse[(b*heads + h)*seq + t]} so the backward recomputes probabilities (flash-attention style)
     * instead of storing the seq² matrix.
     */
    void attention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, int batch, int seq, int[] lengths,
                   int heads, int kvHeads, int headDim);

    /** Overwrites dq, dk, dv. */
    void attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dq, Tensor dk,
                           Tensor dv, int batch, int seq, int[] lengths, int heads, int kvHeads, int headDim);

    /**
     * Stores row r's key and value at position {@code positions[r]} of cache slot {@code slots[r]}. The layout inside
     * the cache tensors is the backend's own (the CPU keeps keys transposed per head so scores vectorise over positions).
     */
    void writeKvCache(Tensor k, Tensor v, Tensor kCache, Tensor vCache, int rows, int[] slots, int[] positions, int maxSeq,
                      int kvHeads, int headDim);

    /**
     * Attention of {@code rows} independent query rows against a KV cache of {@code slots × maxSeq} positions written by
     * {@link #writeKvCache}:
     * row r attends cache positions {@code 0..positions[r]} of slot {@code slots[r]} (its own key already written).
     */
    void attentionCached(Tensor q, Tensor kCache, Tensor vCache, Tensor out, int rows, int[] slots, int[] positions,
                         int maxSeq, int heads, int kvHeads, int headDim);

    /** SwiGLU: {@code h = silu(gate) ⊙ up}. */
    void swiglu(Tensor gate, Tensor up, Tensor h, long n);

    /** Overwrites dgate, dup. */
    void swigluBackward(Tensor dh, Tensor gate, Tensor up, Tensor dgate, Tensor dup, long n);

    /** {@code out[r] = table[tokens[r]]} ({@code table} may be bf16: rows widened). */
    void embedding(Tensor table, int[] tokens, Tensor out, int rows, int cols);

    /** {@code dtable[tokens[r]] += dout[r]}. */
    void embeddingBackward(Tensor dout, int[] tokens, Tensor dtable, int rows, int cols);

    /**
     * Fused log-softmax gather: {@code logp[r] = logits[r, targets[r]] − logsumexp(logits[r])}, and saves
     * {@code lse[r]}. Rows with {@code targets[r] < 0} are ignored (logp 0).
     */
    default void crossEntropy(Tensor logits, int[] targets, Tensor lse, Tensor logp, int rows, int vocab) {
        crossEntropy(logits, targets, 0, lse, logp, rows, vocab);
    }

    /**
     * As {@link #crossEntropy(Tensor, int[], Tensor, Tensor, int, int)} for a block of rows: {@code logits} holds the
     * block's {@code rows} rows from its start, and they are rows {@code row0…row0+rows−1} of {@code targets},
     * {@code lse} and {@code logp} (the LM head's logits computed a block at a time).
     */
    void crossEntropy(Tensor logits, int[] targets, int row0, Tensor lse, Tensor logp, int rows, int vocab);

    /**
     * Turns {@code logits} into their gradient in place, given {@code weights[r] = ∂L/∂logp[r]}:
     * {@code dlogits[r, v] = weights[r]·(1[v = target] − softmax(logits[r])_v)}; ignored rows become zero.
     */
    default void crossEntropyBackward(Tensor logits, Tensor lse, int[] targets, Tensor weights, int rows, int vocab) {
        crossEntropyBackward(logits, lse, targets, 0, weights, rows, vocab);
    }

    /** The backward of the block form of {@code crossEntropy}: {@code logits} are the block's, the rest row {@code row0} on. */
    void crossEntropyBackward(Tensor logits, Tensor lse, int[] targets, int row0, Tensor weights, int rows, int vocab);

    /**
     * One AdamW step (Loshchilov &amp; Hutter, decoupled weight decay; torch's update order and bias correction):
     * {@code p −= lr·wd·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr·m̂ / (sqrt(v̂) + eps)}.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, long n, float lr, float beta1, float beta2, float eps,
               float weightDecay, int step);

    /**
     * Inverted dropout (Srivastava et al. 2014): {@code y[i] = keep(seed, i) ? x[i] / (1 − p) : 0}, where
     * {@link #dropoutKeeps} decides from a counter-based hash, so the same seed gives the same mask again — the
     * backward re-derives it instead of storing it. {@code y} may be {@code x}. This generic version round-trips
     * through the host; backends override it.
     */
    default void dropout(Tensor x, Tensor y, long n, float p, long seed) {
        float[] v = new float[Math.toIntExact(n)];
        download(x, 0, v, 0, v.length);
        float scale = 1f / (1f - p);
        for (int i = 0; i < v.length; i++) v[i] = dropoutKeeps(seed, i, p) ? v[i] * scale : 0f;
        upload(v, 0, y, 0, v.length);
    }

    /** Whether element {@code i} survives dropout at rate {@code p} under {@code seed} (SplitMix64 of seed + i). */
    static boolean dropoutKeeps(long seed, long i, float p) {
        long z = seed + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) * 0x1p-24f >= p;
    }

    @Override
    default void close() {}
}
