package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama-family decoder (Llama 2/3, Qwen2, Mistral): token embedding, N blocks of
 * {@code x += o(attn(rope(q(norm(x))), rope(k(…)), v(…)))} and {@code x += down(silu(gate(norm(x))) ⊙ up(norm(x)))},
 * a final RMSNorm and the LM head.
 *
 * <p>Training is llm.c style: {@link #forward} runs a padded batch and saves every activation a backward needs in
 * preallocated buffers (grown only when a larger batch arrives), {@link #backward} walks the layers in reverse and
 * accumulates into the parameter gradients. The objective is anything expressed through per-token log-probs of the
 * targets: the caller passes {@code ∂L/∂logp} per token (SFT: −mask/N; DPO/RL: a per-sequence coefficient on the
 * response tokens). Parameters live once, under their Hugging Face names.
 */
public final class Transformer {
    private final ModelConfig cfg;
    private final Backend be;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Parameter embed, finalNorm;
    private final Linear lmHead;
    // LoRA's modules_to_save (PEFT's ModulesToSaveWrapper): trained copies used while the adapters are on; null without
    private Parameter savedEmbed; // the embedding (a tied model's LM head too)
    private Linear savedHead; // the LM head: over savedEmbed when tied
    private final Block[] blocks;
    private final Tensor ropeCos, ropeSin;
    private final int ropeLen;

    /** One decoder layer's parameters. */
    private record Block(Parameter ln1, Linear q, Linear k, Linear v, Linear o, Parameter ln2, Linear gate, Linear up,
                         Linear down) {}

    /** Saved activations of one layer for {@code cap} rows; {@code x} is the layer's input (the residual stream). */
    private static final class Acts {
        final Tensor x, ln1, rstd1, q, k, v, att, lse, res, ln2, rstd2, gate, up, h;

        Acts(Backend be, ModelConfig c, int cap) {
            int hs = c.hiddenSize(), is = c.intermediateSize();
            x = be.allocate((long) cap * hs);
            shared = false;
            ln1 = be.allocate((long) cap * hs);
            rstd1 = be.allocate(cap);
            q = be.allocate((long) cap * c.qDim());
            k = be.allocate((long) cap * c.kvDim());
            v = be.allocate((long) cap * c.kvDim());
            att = be.allocate((long) cap * c.qDim());
            lse = be.allocate((long) cap * c.numAttentionHeads());
            res = be.allocate((long) cap * hs);
            ln2 = be.allocate((long) cap * hs);
            rstd2 = be.allocate(cap);
            gate = be.allocate((long) cap * is);
            up = be.allocate((long) cap * is);
            h = be.allocate((long) cap * is);
        }

        final boolean shared;

        /** Activation checkpointing: a layer that keeps only its own input and recomputes the rest in {@code work}. */
        Acts(Backend be, ModelConfig c, int cap, Acts work) {
            x = be.allocate((long) cap * c.hiddenSize());
            ln1 = work.ln1;
            rstd1 = work.rstd1;
            q = work.q;
            k = work.k;
            v = work.v;
            att = work.att;
            lse = work.lse;
            res = work.res;
            ln2 = work.ln2;
            rstd2 = work.rstd2;
            gate = work.gate;
            up = work.up;
            h = work.h;
            shared = true;
        }
    }

    /**
     * The head's buffers: final-norm input/output, the logits of one block of at most {@code block} rows, and the
     * loss-side vectors of all rows.
     */
    private static final class Head {
        final Tensor xf, lnf, rstdf, logits, lse, logp, weights;
        final int cap, block;

        Head(Backend be, ModelConfig c, int cap, int blockRows) {
            this.cap = cap;
            block = Math.min(cap, blockRows);
            xf = be.allocate((long) cap * c.hiddenSize());
            lnf = be.allocate((long) cap * c.hiddenSize());
            rstdf = be.allocate(cap);
            logits = be.allocate((long) block * c.vocabSize());
            lse = be.allocate(cap);
            logp = be.allocate(cap);
            weights = be.allocate(cap);
        }
    }

    /** Gradient scratch shared by all layers. */
    private static final class Grads {
        final Tensor dres, dln, dq, dk, dv, datt, dh, dgate, dup;

        Grads(Backend be, ModelConfig c, int cap) {
            int hs = c.hiddenSize(), is = c.intermediateSize();
            dres = be.allocate((long) cap * hs);
            dln = be.allocate((long) cap * hs);
            dq = be.allocate((long) cap * c.qDim());
            dk = be.allocate((long) cap * c.kvDim());
            dv = be.allocate((long) cap * c.kvDim());
            datt = be.allocate((long) cap * c.qDim());
            dh = be.allocate((long) cap * is);
            dgate = be.allocate((long) cap * is);
            dup = be.allocate((long) cap * is);
        }
    }

    private Acts[] trainActs; // one per layer, for training
    private Head trainHead;
    private Grads grads;
    private int trainCap;
    private Acts workActs; // a single layer's worth, reused by every layer when nothing is saved
    private Head workHead;
    private int workCap;
    private Batch saved; // the batch whose activations trainActs hold
    private boolean headDone; // the forward of `saved` also ran the LM head's backward (its dLogp was known)
    private int[] positions = new int[0];
    private int logitBlockRows; // the most rows of logits held at once; see LOGIT_BUDGET

    // LoRA (null/empty without adapters) and activation checkpointing
    private LoraConfig lora;
    private final Map<String, Parameter> adapterParams = new LinkedHashMap<>();
    private final Linear.Adapters adapters = new Linear.Adapters();
    private boolean checkpointing;
    private BaseDtype baseDtype = BaseDtype.FP32;
    private long dropoutSeed = 0x10AAL, trainingForwards;
    private Tensor normGradSink; // dw of frozen RMSNorms: written, never read

    /**
     * Floats of logits a head holds at once (256 MB): the LM head and its loss run in blocks of
     * {@code LOGIT_BUDGET / vocab} rows, so a 150k vocabulary does not need a {@code rows × vocab} buffer (2048 rows of
     * Qwen2's 151,936 would be 1.2 GB a head). A batch that fits one block (every SpecWorld shape, and 2048 rows of a
     * 32k vocabulary) keeps the forward's logits for the backward. A larger one either runs the head's backward inside
     * the forward, block by block, when the gradient is known beforehand ({@link #forward(Batch, float[], float[])}:
     * SFT), or recomputes each block's logits in the backward (DPO, RL), one more head GEMM, the price of the memory.
     */
    public static final long LOGIT_BUDGET = 1L << 26;

    /** A model with zero weights; fill them with {@link #initialize} or from a checkpoint. */
    public Transformer(ModelConfig cfg, Backend backend) {
        this.cfg = cfg;
        this.be = backend;
        logitBlockRows = (int) Math.max(1, Math.min(Integer.MAX_VALUE, LOGIT_BUDGET / cfg.vocabSize()));
        int hs = cfg.hiddenSize(), is = cfg.intermediateSize();
        embed = param("model.embed_tokens.weight", cfg.vocabSize(), hs);
        blocks = new Block[cfg.numHiddenLayers()];
        for (int l = 0; l < blocks.length; l++) {
            String p = "model.layers." + l + ".";
            blocks[l] = new Block(
                    param(p + "input_layernorm.weight", hs),
                    linear(p + "self_attn.q_proj", hs, cfg.qDim(), cfg.qkvBias()),
                    linear(p + "self_attn.k_proj", hs, cfg.kvDim(), cfg.qkvBias()),
                    linear(p + "self_attn.v_proj", hs, cfg.kvDim(), cfg.qkvBias()),
                    linear(p + "self_attn.o_proj", cfg.qDim(), hs, cfg.oBias()),
                    param(p + "post_attention_layernorm.weight", hs),
                    linear(p + "mlp.gate_proj", hs, is, false),
                    linear(p + "mlp.up_proj", hs, is, false),
                    linear(p + "mlp.down_proj", is, hs, false));
        }
        finalNorm = param("model.norm.weight", hs);
        lmHead = cfg.tieWordEmbeddings() ? new Linear(embed, null, hs, cfg.vocabSize())
                : linear("lm_head", hs, cfg.vocabSize(), false);

        // RoPE tables cos/sin[pos, i] = cos/sin(pos·θ_i); the angle is an fp32 product, as HF's rotary embedding computes it
        ropeLen = cfg.maxPositionEmbeddings();
        int half = cfg.headDim() / 2;
        double[] inv = cfg.ropeInverseFrequencies();
        float[] c = new float[ropeLen * half], s = new float[ropeLen * half];
        for (int p = 0; p < ropeLen; p++)
            for (int i = 0; i < half; i++) {
                float angle = (float) p * (float) inv[i]; // fp32 product, as HF computes position·inv_freq
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
            }
        ropeCos = be.allocate(c.length);
        ropeSin = be.allocate(s.length);
        be.upload(c, 0, ropeCos, 0, c.length);
        be.upload(s, 0, ropeSin, 0, s.length);
    }

    private Parameter param(String name, long... shape) {
        var p = new Parameter(be, name, shape);
        params.put(name, p);
        return p;
    }

    private Linear linear(String name, int in, int out, boolean bias) {
        return new Linear(param(name + ".weight", out, in), bias ? param(name + ".bias", out) : null, in, out);
    }

    public ModelConfig config() {
        return cfg;
    }

    public Backend backend() {
        return be;
    }

    /** The most rows whose logits the head holds at once (default {@link #LOGIT_BUDGET} / vocab). */
    public int logitBlockRows() {
        return logitBlockRows;
    }

    /**
     * Sets {@link #logitBlockRows} (≥ 1): smaller saves memory at the price of more, smaller head GEMMs. Drops the
     * buffers (they are made again on the next pass) and any forward awaiting its backward.
     */
    public void logitBlockRows(int rows) {
        if (rows < 1) throw new IllegalArgumentException("logit block rows must be at least 1, got " + rows);
        logitBlockRows = rows;
        trainActs = null;
        trainHead = null;
        grads = null;
        trainCap = 0;
        workActs = null;
        workHead = null;
        workCap = 0;
        saved = null;
        headDone = false;
    }

    /** Parameters in HF order (tied models have no {@code lm_head.weight}). */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /**
     * Random init as HF's {@code _init_weights}: linear and embedding weights ~ N(0, initializer_range), biases 0,
     * RMSNorm weights 1. Deterministic for a given seed.
     */
    public void initialize(long seed) {
        var rng = new SplittableRandom(seed);
        float std = (float) cfg.initializerRange();
        for (Parameter p : params.values()) {
            float[] v = new float[Math.toIntExact(p.size())];
            boolean norm = p.name().endsWith("norm.weight");
            if (norm) java.util.Arrays.fill(v, 1f);
            else if (p.shape().length == 2) for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextGaussian() * std;
            be.upload(v, 0, p.value(), 0, v.length);
        }
    }

    // ---------------------------------------------------------------- training forward / backward

    /**
     * Runs the batch, saving activations for {@link #backward}, and returns the per-row log-prob of each target
     * ({@code logp[b*seqLen + t]}, 0 where the target is −1). The returned array is owned by the caller.
     */
    public float[] forward(Batch batch) {
        float[] out = new float[batch.rows()];
        forward(batch, out);
        return out;
    }

    /** As {@link #forward(Batch)}, writing the log-probs into {@code logpOut} (at least {@code batch.rows()} long). */
    public void forward(Batch batch, float[] logpOut) {
        forward(batch, logpOut, null);
    }

    /**
     * As {@link #forward(Batch, float[])}; with {@code dLogp} (the gradient {@link #backward} will be given, known before
     * the forward, as cross-entropy's is) the LM head's backward runs here, each block of logits turned into its
     * gradient while it is in the buffer, so a batch of several blocks needs no recomputation. The following
     * {@code backward} must get the same {@code dLogp}; gradients are the same bits as without it.
     */
    public void forward(Batch batch, float[] logpOut, float[] dLogp) {
        checkBatch(batch);
        if (dLogp != null && dLogp.length < batch.rows())
            throw new IllegalArgumentException("dLogp has " + dLogp.length + " entries, batch has " + batch.rows() + " rows");
        int n = batch.rows();
        if (n > trainCap || (trainActs != null && trainActs[0].shared != checkpointing)) {
            trainActs = null;
            trainHead = null;
            grads = null;
            trainActs = new Acts[blocks.length];
            Acts work = checkpointing ? new Acts(be, cfg, n) : null;
            for (int l = 0; l < blocks.length; l++) trainActs[l] = checkpointing ? new Acts(be, cfg, n, work) : new Acts(be, cfg, n);
            trainHead = new Head(be, cfg, n, logitBlockRows);
            grads = new Grads(be, cfg, n);
            trainCap = n;
        }
        adapters.stepSeed = dropoutSeed * 0x9E3779B97F4A7C15L + trainingForwards++;
        adapters.training = true;
        try {
            runBlocks(batch, trainActs, trainHead);
        } finally {
            adapters.training = false;
        }
        saved = batch;
        headDone = dLogp != null;
        if (headDone) headForwardBackward(trainHead, batch.targets(), dLogp, n);
        else headLogProbs(trainHead, batch.targets(), n);
        be.download(trainHead.logp, 0, logpOut, 0, n);
    }

    /**
     * Back-propagates {@code dLogp[r] = ∂L/∂logp[r]} through the batch of the last {@link #forward}, adding into every
     * parameter's gradient (so micro-batches accumulate; clear with {@link #zeroGrad}).
     */
    public void backward(float[] dLogp) {
        Batch batch = saved;
        if (batch == null) throw new IllegalStateException("backward() needs a preceding forward()");
        saved = null; // the logits buffer becomes dlogits below; a second backward would be wrong
        int n = batch.rows(), hs = cfg.hiddenSize(), is = cfg.intermediateSize();
        int heads = cfg.numAttentionHeads(), kvh = cfg.numKeyValueHeads(), hd = cfg.headDim();
        if (dLogp.length < n) throw new IllegalArgumentException("dLogp has " + dLogp.length + " entries, batch has " + n + " rows");
        Head hd0 = trainHead;
        Grads g = grads;
        int[] pos = trainingPositions(batch); // recomputed: a sequenceLogProbs call in between may have reused the array
        if (!headDone) { // else the forward did this part with the same dLogp, and g.dln holds its result
            be.upload(dLogp, 0, hd0.weights, 0, n);
            boolean kept = n <= hd0.block; // one block: the forward's logits are still in the buffer
            for (int r0 = 0; r0 < n; r0 += hd0.block) { // the head a block of rows at a time: logits → dlogits → dW, dln
                int m = Math.min(hd0.block, n - r0);
                if (!kept) head().forwardRows(be, hd0.lnf, r0, hd0.logits, m, false);
                headBackwardBlock(hd0, batch.targets(), r0, m, g);
            }
        }
        headDone = false;
        be.zero(g.dres);
        be.rmsnormBackward(g.dln, hd0.xf, finalNorm.value(), hd0.rstdf, g.dres, normGrad(finalNorm), n, hs);
        for (int l = blocks.length - 1; l >= 0; l--) {
            Block b = blocks[l];
            Acts a = trainActs[l];
            if (a.shared) { // checkpointing: recompute this layer from its saved input (the same dropout masks)
                adapters.training = true;
                try {
                    block(l, a, n, pos, l + 1 < blocks.length ? trainActs[l + 1].x : hd0.xf, batch, null, null);
                } finally {
                    adapters.training = false;
                }
            }
            // out = res + down(silu(gate(ln2)) ⊙ up(ln2)); g.dres holds ∂L/∂out = ∂L/∂res through the skip
            b.down.backward(be, g.dres, a.h, g.dh, n, false, adapters);
            be.swigluBackward(g.dh, a.gate, a.up, g.dgate, g.dup, (long) n * is);
            b.gate.backward(be, g.dgate, a.ln2, g.dln, n, false, adapters);
            b.up.backward(be, g.dup, a.ln2, g.dln, n, true, adapters);
            be.rmsnormBackward(g.dln, a.res, b.ln2.value(), a.rstd2, g.dres, normGrad(b.ln2), n, hs);
            // res = x + o(attn(q, k, v))
            b.o.backward(be, g.dres, a.att, g.datt, n, false, adapters);
            be.attentionBackward(g.datt, a.q, a.k, a.v, a.att, a.lse, g.dq, g.dk, g.dv, batch.size(), batch.seqLen(),
                    batch.lengths(), heads, kvh, hd);
            be.ropeBackward(g.dq, n, heads, hd, pos, ropeCos, ropeSin);
            be.ropeBackward(g.dk, n, kvh, hd, pos, ropeCos, ropeSin);
            b.q.backward(be, g.dq, a.ln1, g.dln, n, false, adapters);
            b.k.backward(be, g.dk, a.ln1, g.dln, n, true, adapters);
            b.v.backward(be, g.dv, a.ln1, g.dln, n, true, adapters);
            be.rmsnormBackward(g.dln, a.x, b.ln1.value(), a.rstd1, g.dres, normGrad(b.ln1), n, hs);
        }
        Parameter table = embedTable();
        if (table.trainable()) be.embeddingBackward(g.dres, batch.tokens(), table.grad(be), n, hs);
    }

    private Tensor normGrad(Parameter norm) {
        if (norm.trainable()) return norm.grad(be);
        if (normGradSink == null) normGradSink = be.allocate(cfg.hiddenSize());
        return normGradSink;
    }

    /** Clears the gradients of every trainable parameter. */
    public void zeroGrad() {
        for (Parameter p : trainableParameters()) be.zero(p.grad(be));
    }

    /** The parameters training updates, in order: every base parameter, or with LoRA only the adapters' A and B. */
    public List<Parameter> trainableParameters() {
        var out = new ArrayList<Parameter>();
        for (Parameter p : params.values()) if (p.trainable()) out.add(p);
        for (Parameter p : adapterParams.values()) if (p.trainable()) out.add(p);
        return out;
    }

    /**
     * Per-sequence sums of target log-probs where {@code mask} is set (null: every target), forward only, reusing
     * one layer's buffers — the reference-model pass of DPO and RL.
     */
    public double[] sequenceLogProbs(Batch batch, boolean[] mask) {
        checkBatch(batch);
        int n = batch.rows();
        if (n > workCap) allocateWork(n);
        Acts[] same = new Acts[blocks.length];
        java.util.Arrays.fill(same, workActs);
        runBlocks(batch, same, workHead);
        float[] logp = logProbs(batch, workHead);
        if (mask != null) for (int r = 0; r < n; r++) if (!mask[r]) logp[r] = 0f;
        return batch.sumPerSequence(logp);
    }

    private void allocateWork(int n) {
        workActs = null;
        workHead = null;
        workActs = new Acts(be, cfg, n);
        workHead = new Head(be, cfg, n, logitBlockRows);
        workCap = n;
    }

    private void checkBatch(Batch batch) {
        if (batch.seqLen() > ropeLen)
            throw new IllegalArgumentException("sequence length " + batch.seqLen() + " exceeds max_position_embeddings " + ropeLen);
        if (cfg.slidingWindow() > 0 && batch.seqLen() > cfg.slidingWindow())
            throw new IllegalArgumentException("sequence length " + batch.seqLen() + " exceeds the sliding window "
                    + cfg.slidingWindow() + "; sliding-window attention is not implemented");
        for (int t : batch.tokens()) checkToken(t);
    }

    private void checkToken(int t) {
        if (t < 0 || t >= cfg.vocabSize())
            throw new IllegalArgumentException("token id " + t + " outside the vocabulary 0.." + (cfg.vocabSize() - 1));
    }

    private int[] trainingPositions(Batch batch) {
        int n = batch.rows();
        if (positions.length < n) positions = new int[n];
        for (int r = 0; r < n; r++) positions[r] = r % batch.seqLen();
        return positions;
    }

    /** The whole network over a padded batch; {@code acts[l]} may all be the same buffers when nothing is saved. */
    private void runBlocks(Batch batch, Acts[] acts, Head head) {
        int n = batch.rows(), hs = cfg.hiddenSize();
        int[] pos = trainingPositions(batch);
        be.embedding(embedTable().value(), batch.tokens(), acts[0].x, n, hs);
        for (int l = 0; l < blocks.length; l++)
            block(l, acts[l], n, pos, l + 1 < blocks.length ? acts[l + 1].x : head.xf, batch, null, null);
        be.rmsnorm(head.xf, finalNorm.value(), head.lnf, head.rstdf, n, hs, (float) cfg.rmsNormEps());
    }

    /** The LM head and log-softmax over {@code head.lnf}, a block of rows at a time: {@code lse} and {@code logp} of all n rows. */
    private void headLogProbs(Head head, int[] targets, int n) {
        for (int r0 = 0; r0 < n; r0 += head.block) {
            int m = Math.min(head.block, n - r0);
            head().forwardRows(be, head.lnf, r0, head.logits, m, false);
            be.crossEntropy(head.logits, targets, r0, head.lse, head.logp, m, cfg.vocabSize());
        }
    }

    /** {@link #headLogProbs} and the head's backward in one pass over the blocks: {@code dLogp} is known already. */
    private void headForwardBackward(Head head, int[] targets, float[] dLogp, int n) {
        be.upload(dLogp, 0, head.weights, 0, n);
        for (int r0 = 0; r0 < n; r0 += head.block) {
            int m = Math.min(head.block, n - r0);
            head().forwardRows(be, head.lnf, r0, head.logits, m, false);
            be.crossEntropy(head.logits, targets, r0, head.lse, head.logp, m, cfg.vocabSize());
            headBackwardBlock(head, targets, r0, m, grads);
        }
    }

    /** A block's logits (in the buffer) → dlogits in place → {@code dW} of the head, and rows r0… of {@code g.dln}. */
    private void headBackwardBlock(Head head, int[] targets, int r0, int m, Grads g) {
        be.crossEntropyBackward(head.logits, head.lse, targets, r0, head.weights, m, cfg.vocabSize());
        head().backwardRows(be, head.logits, head.lnf, r0, g.dln, m, false);
    }

    /** Logits of rows 0…n−1 of {@code head.lnf} into {@code out}, a block at a time. */
    private void headLogits(Head head, int n, float[] out) {
        int v = cfg.vocabSize();
        for (int r0 = 0; r0 < n; r0 += head.block) {
            int m = Math.min(head.block, n - r0);
            head().forwardRows(be, head.lnf, r0, head.logits, m, false);
            be.download(head.logits, 0, out, r0 * v, m * v);
        }
    }

    /**
     * Decoder layer l from {@code a.x} into {@code next} (which may be {@code a.x} itself when nothing is saved):
     * {@code res = x + o(attn(rope(q(norm(x))), rope(k(…)), v(…)))}, {@code next = res + down(silu(gate(norm(res))) ⊙ up(…))}.
     * Attention runs over the padded {@code batch}, or, with a {@code cache}, against the cached keys of each row's slot.
     */
    private void block(int l, Acts a, int rows, int[] pos, Tensor next, Batch batch, KvCache cache, int[] slots) {
        Block b = blocks[l];
        int hs = cfg.hiddenSize(), heads = cfg.numAttentionHeads(), kvh = cfg.numKeyValueHeads(), hd = cfg.headDim();
        be.rmsnorm(a.x, b.ln1.value(), a.ln1, a.rstd1, rows, hs, (float) cfg.rmsNormEps());
        b.q.forward(be, a.ln1, a.q, rows, false, adapters);
        b.k.forward(be, a.ln1, a.k, rows, false, adapters);
        b.v.forward(be, a.ln1, a.v, rows, false, adapters);
        be.rope(a.q, rows, heads, hd, pos, ropeCos, ropeSin);
        be.rope(a.k, rows, kvh, hd, pos, ropeCos, ropeSin);
        if (cache == null) {
            be.attention(a.q, a.k, a.v, a.att, a.lse, batch.size(), batch.seqLen(), batch.lengths(), heads, kvh, hd);
        } else {
            be.writeKvCache(a.k, a.v, cache.keys[l], cache.values[l], rows, slots, pos, cache.maxSeq, kvh, hd);
            be.attentionCached(a.q, cache.keys[l], cache.values[l], a.att, rows, slots, pos, cache.maxSeq, heads, kvh, hd);
        }
        be.copy(a.x, 0, a.res, 0, (long) rows * hs);
        b.o.forward(be, a.att, a.res, rows, true, adapters);
        be.rmsnorm(a.res, b.ln2.value(), a.ln2, a.rstd2, rows, hs, (float) cfg.rmsNormEps());
        b.gate.forward(be, a.ln2, a.gate, rows, false, adapters);
        b.up.forward(be, a.ln2, a.up, rows, false, adapters);
        be.swiglu(a.gate, a.up, a.h, (long) rows * cfg.intermediateSize());
        be.copy(a.res, 0, next, 0, (long) rows * hs);
        b.down.forward(be, a.h, next, rows, true, adapters);
    }

    private float[] logProbs(Batch batch, Head head) {
        int n = batch.rows();
        headLogProbs(head, batch.targets(), n);
        float[] out = new float[n];
        be.download(head.logp, 0, out, 0, n);
        return out;
    }

    /**
     * Per-row log-probs of the targets ({@code logp[b·seqLen + t]}, 0 where the target is −1), forward only on the
     * reused buffers of {@link #sequenceLogProbs}: RL's per-token KL reference.
     */
    public float[] tokenLogProbs(Batch batch) {
        checkBatch(batch);
        int n = batch.rows();
        if (n > workCap) allocateWork(n);
        Acts[] same = new Acts[blocks.length];
        java.util.Arrays.fill(same, workActs);
        runBlocks(batch, same, workHead);
        return logProbs(batch, workHead);
    }

    /** Logits of the last {@link #forward} or {@link #sequenceLogProbs} batch, {@code [rows, vocab]} (for tests and tools). */
    public float[] logitsOfLastForward(boolean training) {
        Head h = training ? trainHead : workHead;
        int n = (training ? trainCap : workCap);
        float[] out = new float[Math.toIntExact((long) n * cfg.vocabSize())];
        headLogits(h, n, out); // recomputed from the saved final-norm output: blocks keep only one block's logits
        return out;
    }

    // ---------------------------------------------------------------- inference with a KV cache

    /**
     * One incremental step: row r feeds {@code tokens[r]} at {@code positions[r]} of cache slot {@code slots[r]}
     * (rows of one slot in increasing position order; positions before it must already be cached). Writes the
     * logits of the rows listed in {@code logitRows} to {@code logitsOut} ({@code [logitRows.length, vocab]}).
     */
    public void forwardCached(KvCache cache, int rows, int[] tokens, int[] slots, int[] positions, int[] logitRows,
                              float[] logitsOut) {
        int hs = cfg.hiddenSize();
        for (int r = 0; r < rows; r++) {
            checkToken(tokens[r]);
            if (positions[r] >= cache.maxSeq || positions[r] >= ropeLen)
                throw new IllegalArgumentException("position " + positions[r] + " beyond the cache (" + cache.maxSeq + ")");
            if (cfg.slidingWindow() > 0 && positions[r] >= cfg.slidingWindow())
                throw new IllegalArgumentException("position " + positions[r] + " beyond the sliding window "
                        + cfg.slidingWindow() + "; sliding-window attention is not implemented");
        }
        if (rows > workCap) allocateWork(rows);
        Acts a = workActs;
        Head head = workHead;
        be.embedding(embedTable().value(), tokens, a.x, rows, hs);
        for (int l = 0; l < blocks.length; l++) block(l, a, rows, positions, a.x, null, cache, slots);
        int m = logitRows.length;
        be.gatherRows(a.x, head.xf, m, hs, logitRows);
        be.rmsnorm(head.xf, finalNorm.value(), head.lnf, head.rstdf, m, hs, (float) cfg.rmsNormEps());
        headLogits(head, m, logitsOut);
    }

    /**
     * The residual stream after the first {@code layers} decoder layers for one sequence, {@code [tokens.length, hidden]}
     * row-major (HF's {@code hidden_states[layers]}; 0 = the embeddings, and unlike HF the last one is not normed).
     * Forward only, reusing the buffers of {@link #sequenceLogProbs}: for probes and prompt embeddings.
     */
    public float[] hiddenStates(int[] tokens, int layers) {
        if (layers < 0 || layers > blocks.length)
            throw new IllegalArgumentException("layers must be in 0.." + blocks.length + ", got " + layers);
        Batch batch = Batch.of(List.of(tokens));
        checkBatch(batch);
        int n = batch.rows(), hs = cfg.hiddenSize();
        if (n > workCap) allocateWork(n);
        int[] pos = trainingPositions(batch);
        be.embedding(embedTable().value(), batch.tokens(), workActs.x, n, hs);
        for (int l = 0; l < layers; l++) block(l, workActs, n, pos, workActs.x, batch, null, null);
        float[] out = new float[n * hs];
        be.download(workActs.x, 0, out, 0, out.length);
        return out;
    }

    /** The base parameters in order (without adapters; see {@link #trainableParameters} for what an optimizer updates). */
    public List<Parameter> parameterList() {
        return new ArrayList<>(params.values());
    }

    // ---------------------------------------------------------------- LoRA and activation checkpointing

    /**
     * Puts a LoRA adapter on every targeted linear layer of every block and freezes all base parameters: from now on
     * only the adapters' A and B train (and the modules_to_save copies of the embedding and LM head, if asked for).
     * A is initialised as PEFT does (seeded), B is zero.
     */
    public void attachLora(LoraConfig config, long seed) {
        if (lora != null) throw new IllegalStateException("this model already has LoRA adapters (" + lora.spec() + ")");
        var rng = new SplittableRandom(seed);
        int maxIn = 0;
        for (int l = 0; l < blocks.length; l++) {
            int m = 0;
            for (Linear lin : linears(blocks[l])) {
                String module = LoraConfig.MODULES.get(m);
                if (config.targets(module)) {
                    String base = lin.weight.name().substring(0, lin.weight.name().length() - ".weight".length());
                    var a = new Parameter(be, base + ".lora_A.weight", config.r(), lin.in);
                    var b = new Parameter(be, base + ".lora_B.weight", lin.out, config.r());
                    adapterParams.put(a.name(), a);
                    adapterParams.put(b.name(), b);
                    lin.lora = new Lora(a, b, lin.in, lin.out, config, (long) l * LoraConfig.MODULES.size() + m + 1);
                    lin.lora.initialize(be, rng);
                    maxIn = Math.max(maxIn, lin.in);
                }
                m++;
            }
        }
        for (Parameter p : params.values()) p.setTrainable(false);
        boolean tied = cfg.tieWordEmbeddings();
        config = effective(config);
        if (config.saves("embed_tokens")) {
            savedEmbed = copyOf(embed);
            adapterParams.put(savedEmbed.name(), savedEmbed);
        }
        if (tied && savedEmbed != null) savedHead = new Linear(savedEmbed, null, lmHead.in, lmHead.out);
        else if (config.saves("lm_head")) {
            Parameter w = copyOf(lmHead.weight);
            adapterParams.put(w.name(), w);
            savedHead = new Linear(w, lmHead.bias, lmHead.in, lmHead.out);
        }
        adapters.scratch = new Lora.Scratch(config.r(), maxIn);
        adapters.enabled = true;
        lora = config;
    }

    private void copyInto(Parameter from, Parameter to) {
        float[] v = new float[Math.toIntExact(from.size())];
        be.download(from.value(), 0, v, 0, v.length);
        be.upload(v, 0, to.value(), 0, v.length);
    }

    /** {@code config} as this model applies it: a tied model has one matrix, so saving either module saves both, as PEFT must load them. */
    public LoraConfig effective(LoraConfig config) {
        if (!cfg.tieWordEmbeddings() || config.modulesToSave().isEmpty()) return config;
        return new LoraConfig(config.r(), config.alpha(), config.targets(), config.dropout(), config.rsLora(), LoraConfig.SAVABLE);
    }

    /** A trainable fp32 copy of a base matrix, under its name: the start of a modules_to_save module. */
    private Parameter copyOf(Parameter p) {
        var c = new Parameter(be, p.name(), p.shape());
        float[] v = new float[Math.toIntExact(p.size())];
        be.download(p.value(), 0, v, 0, v.length);
        be.upload(v, 0, c.value(), 0, v.length);
        return c;
    }

    /** The embedding in use: the trained copy while the adapters are on, else the base's. */
    private Parameter embedTable() {
        return savedEmbed != null && adapters.enabled ? savedEmbed : embed;
    }

    /** The LM head in use: the trained copy while the adapters are on, else the base's. */
    private Linear head() {
        return savedHead != null && adapters.enabled ? savedHead : lmHead;
    }

    /** A block's linear layers in {@link LoraConfig#MODULES} order. */
    private static List<Linear> linears(Block b) {
        return List.of(b.q, b.k, b.v, b.o, b.gate, b.up, b.down);
    }

    /** The LoRA settings, or null without adapters. */
    public LoraConfig lora() {
        return lora;
    }

    /** Adapter tensors under the base layer's name: {@code model.layers.N.self_attn.q_proj.lora_A.weight} [r, in], {@code lora_B} [out, r]. */
    public Map<String, Parameter> adapterParameters() {
        return Collections.unmodifiableMap(adapterParams);
    }

    /** Switches the adapters' contribution off (the frozen base alone: DPO's and RL's reference) or back on. */
    public void setAdaptersEnabled(boolean on) {
        adapters.enabled = on;
    }

    public boolean adaptersEnabled() {
        return lora == null || adapters.enabled;
    }

    /** Runs {@code f} with the adapters off (the base model), restoring the switch afterwards. */
    public <T> T withoutAdapters(java.util.function.Supplier<T> f) {
        boolean was = adapters.enabled;
        adapters.enabled = false;
        try {
            return f.get();
        } finally {
            adapters.enabled = was;
        }
    }

    /**
     * Folds every adapter into its base weight ({@code W += s·B·A}, PEFT's {@code merge_and_unload}) and the
     * modules_to_save copies over their originals, removes the adapters and makes the base trainable again: the model
     * is then a plain checkpoint.
     */
    public void mergeAdapters() {
        if (lora == null) return;
        setBaseDtype(BaseDtype.FP32); // a bf16 base is widened first: merged = bf16-rounded base + s·B·A
        for (Block blk : blocks)
            for (Linear lin : linears(blk))
                if (lin.lora != null) {
                    lin.lora.mergeInto(be, lin.weight.value(), 1f);
                    lin.lora = null;
                }
        if (savedEmbed != null) copyInto(savedEmbed, embed);
        if (savedHead != null && savedHead.weight != savedEmbed) copyInto(savedHead.weight, lmHead.weight);
        savedEmbed = null;
        savedHead = null;
        adapterParams.clear();
        for (Parameter p : params.values()) p.setTrainable(true);
        adapters.scratch = null;
        adapters.enabled = true;
        lora = null;
    }

    /**
     * Holds every frozen base matrix — the linear layers' weights and the embedding (which a tied model's LM head
     * shares) — as {@code dtype}, once: bf16 halves their memory, and the matmul widens them to fp32 inside its
     * packing, so the model computes exactly what it would with fp32 weights first rounded to bf16 (norm weights and
     * biases stay fp32: they are vectors). Needs a frozen base, so call it after {@link #attachLora}. {@code FP32}
     * widens them back (the rounding stays); {@link #mergeAdapters} does that first.
     */
    public void setBaseDtype(BaseDtype dtype) {
        if (dtype == baseDtype) return;
        if (dtype == BaseDtype.BF16 && lora == null)
            throw new IllegalStateException("a bf16 base needs a frozen base: attach LoRA adapters first (--base-dtype bf16 goes with --lora)");
        for (Parameter p : params.values()) if (p.shape().length == 2) p.storeAs(be, dtype);
        baseDtype = dtype;
    }

    public BaseDtype baseDtype() {
        return baseDtype;
    }

    /**
     * Activation checkpointing (Chen et al. 2016): each layer keeps only its input and recomputes the rest during the
     * backward — one extra forward of the blocks for activations of one layer instead of all.
     */
    public void setCheckpointing(boolean on) {
        checkpointing = on;
    }

    public boolean checkpointing() {
        return checkpointing;
    }

    /** Seeds LoRA dropout: training forward k after this call uses masks derived from (seed, k). */
    public void seedDropout(long seed) {
        dropoutSeed = seed;
        trainingForwards = 0;
    }
}
