package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.train.AdamW;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** LoRA: gradient checks of A and B, frozen base, adapters off = base, merge = base + adapter, checkpointing = plain. */
class LoraTest {
    private static final Backend BE = new CpuBackend();

    /** A model with a LoRA adapter whose B is random too, so both A's and B's gradients are non-trivial. */
    static Transformer adapted(ModelConfig cfg, LoraConfig lora, long seed) {
        Transformer m = TinyModels.init(cfg, BE, seed);
        m.attachLora(lora, seed);
        var rnd = new Random(seed + 3);
        for (Parameter p : m.adapterParameters().values())
            if (p.name().contains("lora_B")) {
                float[] v = new float[(int) p.size()];
                for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian() * 0.3f;
                BE.upload(v, 0, p.value(), 0, v.length);
            }
        return m;
    }

    @ParameterizedTest
    @CsvSource({"qwen2, 0.0, false, false", "llama, 0.0, true, false", "qwen2, 0.3, false, true", "llama, 0.25, true, true"})
    void adapterGradientsMatchFiniteDifferences(String arch, double dropout, boolean rsLora, boolean checkpointing) {
        ModelConfig cfg = arch.equals("qwen2") ? TinyModels.qwen2Tied() : TinyModels.llamaUntied();
        Transformer model = adapted(cfg, new LoraConfig(3, 6, LoraConfig.MODULES, dropout, rsLora), 11);
        model.setCheckpointing(checkpointing);
        Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 3, 6, 4);
        var rnd = new Random(5);
        float[] w = new float[batch.rows()];
        for (int r = 0; r < w.length; r++) w[r] = batch.targets()[r] >= 0 ? (float) rnd.nextGaussian() : 0f;

        model.zeroGrad();
        model.seedDropout(99);
        model.forward(batch);
        model.backward(w);
        for (Parameter p : model.parameters().values())
            assertNull(p.gradOrNull(), p.name() + " is frozen but has a gradient");

        int checked = 0;
        for (Parameter p : model.adapterParameters().values()) {
            int n = (int) p.size();
            float[] value = new float[n], grad = new float[n];
            BE.download(p.value(), 0, value, 0, n);
            BE.download(p.gradOrNull(), 0, grad, 0, n);
            for (int s = 0; s < 3; s++) {
                int i = rnd.nextInt(n);
                float keep = value[i], h = 1e-2f * Math.max(1f, Math.abs(keep));
                double up = objective(model, p, value, i, keep + h, batch, w), dn = objective(model, p, value, i, keep - h, batch, w);
                value[i] = keep;
                BE.upload(value, i, p.value(), i, 1);
                double numeric = (up - dn) / (2 * h);
                assertEquals(numeric, grad[i], 2e-3 + 2e-2 * Math.abs(numeric), p.name() + "[" + i + "]");
                checked++;
            }
        }
        assertEquals(3 * 2 * 7 * cfg.numHiddenLayers(), checked);
    }

    private static double objective(Transformer model, Parameter p, float[] value, int i, float x, Batch batch, float[] w) {
        value[i] = x;
        BE.upload(value, i, p.value(), i, 1);
        model.seedDropout(99); // the same dropout masks as the analytic pass
        float[] logp = model.forward(batch);
        double s = 0;
        for (int r = 0; r < logp.length; r++) s += (double) w[r] * logp[r];
        return s;
    }

    @Test
    void onlyAdaptersTrainAndGetMoments() {
        ModelConfig cfg = TinyModels.qwen2Tied();
        Transformer m = TinyModels.init(cfg, BE, 1);
        m.attachLora(new LoraConfig(2, 4, List.of("q_proj", "v_proj"), 0, false), 1);
        assertEquals(2 * 2 * cfg.numHiddenLayers(), m.trainableParameters().size());
        var opt = new AdamW(m, AdamW.Config.defaults(0.1));
        assertEquals(m.trainableParameters(), opt.parameters());
        assertEquals(opt.parameters().size(), opt.moments().size());
        Parameter a = m.adapterParameters().get("model.layers.0.self_attn.q_proj.lora_A.weight");
        assertArrayEquals(new long[]{2, cfg.hiddenSize()}, a.shape());
        assertArrayEquals(new long[]{cfg.qDim(), 2}, m.adapterParameters().get("model.layers.0.self_attn.q_proj.lora_B.weight").shape());
        // PEFT's init: A ~ U(−1/√in, 1/√in), B = 0
        float[] av = new float[(int) a.size()];
        BE.download(a.value(), 0, av, 0, av.length);
        double bound = 1 / Math.sqrt(cfg.hiddenSize()), max = 0;
        for (float v : av) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > bound / 2, "A's init range " + max + " vs bound " + bound);
    }

    @Test
    void freshAdapterAndAdaptersOffLeaveTheBaseUnchanged() {
        ModelConfig cfg = TinyModels.llamaUntied();
        Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 4, 6, 5);
        Transformer base = TinyModels.init(cfg, BE, 2);
        double[] want = base.sequenceLogProbs(batch, null);
        Transformer fresh = TinyModels.init(cfg, BE, 2);
        fresh.attachLora(LoraConfig.parse("r=4,alpha=8,targets=all-linear"), 5);
        assertArrayEquals(want, fresh.sequenceLogProbs(batch, null), 0.0);
        Transformer trained = adapted(cfg, LoraConfig.parse("r=4,alpha=8"), 2);
        double[] on = trained.sequenceLogProbs(batch, null);
        assertNotEquals(want[0], on[0], 1e-3);
        assertArrayEquals(want, trained.withoutAdapters(() -> trained.sequenceLogProbs(batch, null)), 0.0);
        assertArrayEquals(on, trained.sequenceLogProbs(batch, null), 0.0);
    }

    @Test
    void mergedWeightsGiveTheAdaptedLogits() {
        ModelConfig cfg = TinyModels.qwen2Tied();
        Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 6, 7, 3);
        Transformer m = adapted(cfg, LoraConfig.parse("r=3,alpha=7,targets=q_proj+o_proj+down_proj,rslora=true"), 4);
        m.sequenceLogProbs(batch, null);
        float[] adapted = m.logitsOfLastForward(false);
        m.mergeAdapters();
        assertNull(m.lora());
        assertTrue(m.adapterParameters().isEmpty());
        m.sequenceLogProbs(batch, null);
        float[] merged = m.logitsOfLastForward(false);
        for (int i = 0; i < adapted.length; i++) assertEquals(adapted[i], merged[i], 1e-5, "logit " + i);
    }

    @Test
    void checkpointingGivesTheSameGradients() {
        ModelConfig cfg = TinyModels.llamaUntied();
        Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 8, 6, 6, 2);
        float[] w = new float[batch.rows()];
        java.util.Arrays.fill(w, -0.2f);
        float[][] g = new float[2][];
        for (int run = 0; run < 2; run++) {
            // full fine-tuning, so every parameter's gradient goes through the recomputed activations
            Transformer m = TinyModels.init(cfg, BE, 3);
            m.setCheckpointing(run == 1);
            m.zeroGrad();
            m.forward(batch);
            m.sequenceLogProbs(TinyModels.randomBatch(cfg.vocabSize(), 9, 5, 5), null); // a reference pass in between
            m.backward(w);
            var all = new java.util.ArrayList<Float>();
            for (Parameter p : m.parameters().values()) {
                float[] v = new float[(int) p.size()];
                BE.download(p.gradOrNull(), 0, v, 0, v.length);
                for (float x : v) all.add(x);
            }
            g[run] = new float[all.size()];
            for (int i = 0; i < g[run].length; i++) g[run][i] = all.get(i);
        }
        assertArrayEquals(g[0], g[1]);
    }

    @Test
    void parsesTheCommandLineSpec() {
        var c = LoraConfig.parse("r=16,alpha=32,targets=all-linear,dropout=0.05");
        assertEquals(16, c.r());
        assertEquals(2.0, c.scaling());
        assertEquals(LoraConfig.MODULES, c.targets());
        assertEquals(0.05, c.dropout());
        assertEquals(c, LoraConfig.parse(c.spec()));
        assertEquals(32 / Math.sqrt(16), LoraConfig.parse("r=16,alpha=32,rslora=true").scaling(), 1e-12);
        var e = assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("r=8,targets=q_proj+lm_head"));
        assertTrue(e.getMessage().contains("lm_head"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("r=8,rank=3"));
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.parse("r=0"));
    }
}
