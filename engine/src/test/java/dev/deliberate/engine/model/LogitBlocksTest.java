package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The LM head in blocks of rows ({@link Transformer#logitBlockRows}): every pass gives what the one-block head gives
 * (to fp32 rounding: a block is a smaller GEMM), is deterministic, and a large vocabulary no longer needs a
 * {@code rows × vocab} buffer.
 */
class LogitBlocksTest {

    /** What one model computes on one batch: training log-probs, every gradient, reference log-probs, logits, a cached step. */
    record Passes(float[] logp, Map<String, float[]> grads, double[] seqLogp, float[] logits, float[] cachedLogits) {}

    static Passes run(ModelConfig cfg, int blockRows) {
        Backend be = new CpuBackend();
        Transformer model = TinyModels.init(cfg, be, 7);
        if (blockRows > 0) model.logitBlockRows(blockRows);
        Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 3, 6, 4, 5); // 18 rows, padded
        float[] w = TinyModels.gaussianWeights(batch, new Random(5));
        model.zeroGrad();
        float[] logp = model.forward(batch);
        model.backward(w);
        var grads = TinyModels.gradients(model, be);
        double[] seq = model.sequenceLogProbs(batch, null);
        float[] logits = model.logitsOfLastForward(false);
        var cache = new KvCache(be, cfg, 2, 16);
        int[] tokens = {3, 1, 4, 1, 5, 9, 2}, slots = {0, 0, 0, 0, 1, 1, 1}, positions = {0, 1, 2, 3, 0, 1, 2};
        int[] logitRows = {0, 1, 2, 3, 4, 5, 6};
        float[] cached = new float[logitRows.length * cfg.vocabSize()];
        model.forwardCached(cache, tokens.length, tokens, slots, positions, logitRows, cached);
        return new Passes(logp, grads, seq, logits, cached);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tied-bias", "llama-untied-gqa4to1"})
    void blocksOfRowsGiveWhatOneBlockGives(String which) {
        ModelConfig cfg = which.startsWith("qwen2") ? TinyModels.qwen2Tied() : TinyModels.llamaUntied();
        Passes one = run(cfg, 0); // the default: 2^26 / 19 rows, one block
        for (int rows : new int[]{1, 5, 7}) { // 18 rows in 18, 4 (3 full + 3) and 3 (2 full + 4) blocks
            Passes blocks = run(cfg, rows);
            assertClose(one.logp, blocks.logp, which + " logp, blocks of " + rows);
            for (var e : one.grads.entrySet())
                assertClose(e.getValue(), blocks.grads.get(e.getKey()), which + " grad " + e.getKey() + ", blocks of " + rows);
            for (int s = 0; s < one.seqLogp.length; s++)
                assertEquals(one.seqLogp[s], blocks.seqLogp[s], 1e-4, which + " sequence log-prob " + s);
            assertClose(one.logits, blocks.logits, which + " logits of the last forward");
            assertClose(one.cachedLogits, blocks.cachedLogits, which + " cached-step logits");
        }
    }

    /** Gradients of a forward told its dLogp (the head's backward inside it) against forward-then-backward, bit for bit. */
    @ParameterizedTest
    @ValueSource(ints = {0, 5})
    void aKnownGradientRunsTheHeadBackwardInTheForwardWithTheSameBits(int blockRows) {
        for (ModelConfig cfg : new ModelConfig[]{TinyModels.qwen2Tied(), TinyModels.llamaUntied()}) {
            Map<String, float[]> want = null;
            float[] wantLogp = null;
            for (boolean known : new boolean[]{false, true}) {
                Backend be = new CpuBackend();
                Transformer model = TinyModels.init(cfg, be, 7);
                if (blockRows > 0) model.logitBlockRows(blockRows);
                Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 3, 6, 4, 5);
                float[] w = new float[batch.rows()];
                for (int r = 0; r < w.length; r++) w[r] = batch.targets()[r] >= 0 ? -1f / 12 : 0f;
                float[] logp = new float[batch.rows()];
                model.zeroGrad();
                model.forward(batch, logp, known ? w : null);
                model.sequenceLogProbs(TinyModels.randomBatch(cfg.vocabSize(), 9, 5, 5), null); // a reference pass between
                model.backward(w);
                var grads = TinyModels.gradients(model, be);
                if (!known) {
                    want = grads;
                    wantLogp = logp;
                } else {
                    assertArrayEquals(wantLogp, logp, "log-probs");
                    for (var e : want.entrySet()) assertArrayEquals(e.getValue(), grads.get(e.getKey()), e.getKey());
                }
            }
        }
    }

    @Test
    void blocksAreDeterministic() {
        Passes a = run(TinyModels.qwen2Tied(), 5), b = run(TinyModels.qwen2Tied(), 5);
        assertArrayEquals(a.logp, b.logp);
        for (var e : a.grads.entrySet()) assertArrayEquals(e.getValue(), b.grads.get(e.getKey()), e.getKey());
        assertArrayEquals(a.logits, b.logits);
    }

    @Test
    void rejectsABlockOfNoRows() {
        var model = new Transformer(TinyModels.qwen2Tied(), new CpuBackend());
        assertThrows(IllegalArgumentException.class, () -> model.logitBlockRows(0));
    }

    @Test
    void aLargeVocabularyTrainsWithoutARowsTimesVocabBuffer() {
        int vocab = 151_936; // Qwen2's
        var cfg = ModelConfig.llama(8, 16, 1, 2, 1, vocab, 64);
        long[] floats = {0, 0}; // all buffers the backend allocated; the largest
        Backend inner = new CpuBackend();
        Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("allocate")) {
                        long n = (Long) args[0];
                        floats[0] += n;
                        floats[1] = Math.max(floats[1], n);
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        var model = new Transformer(cfg, counting);
        model.initialize(3);
        assertEquals((int) (Transformer.LOGIT_BUDGET / vocab), model.logitBlockRows());
        int seqs = 16, len = 64; // 1024 rows: a rows × vocab buffer would be 622 MB, a block is 256 MB
        var rnd = new Random(1);
        var list = new java.util.ArrayList<int[]>();
        for (int s = 0; s < seqs; s++) list.add(rnd.ints(len, 0, vocab).toArray());
        Batch batch = Batch.of(list);
        float[] w = new float[batch.rows()];
        Arrays.fill(w, -1f / batch.rows());
        model.zeroGrad();
        float[] logp = model.forward(batch);
        model.backward(w);
        model.sequenceLogProbs(batch, null); // the reference pass's head too
        assertTrue(floats[1] <= Transformer.LOGIT_BUDGET, "largest buffer " + floats[1] + " floats");
        long weights = 4L * vocab * 8; // the embedding, the (untied) LM head and their gradients
        assertTrue(floats[0] < weights + 2 * Transformer.LOGIT_BUDGET + (4L << 20),
                "allocated " + (floats[0] * 4 >> 20) + " MB in all");
        double mean = 0;
        for (int r = 0; r < batch.rows(); r++) if (batch.targets()[r] >= 0) mean += logp[r];
        mean /= seqs * (len - 1);
        assertEquals(-Math.log(vocab), mean, 0.1, "an untrained model is near uniform"); // every block was computed
    }

    static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], 1e-5 + 1e-4 * Math.abs(want[i]), what + "[" + i + "]");
    }
}
