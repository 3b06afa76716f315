package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whole-model gradient check: the backward pass against central finite differences of the forward, for every
 * parameter tensor (a sample of its entries), on a padded batch with a weighted objective L = Σ w_r·logp_r.
 */
class GradientCheckTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tied-bias", "llama-untied-gqa4to1"})
    void backwardMatchesFiniteDifferences(String which) {
        Backend be = new CpuBackend();
        ModelConfig cfg = which.startsWith("qwen2") ? TinyModels.qwen2Tied() : TinyModels.llamaUntied();
        Transformer model = TinyModels.init(cfg, be, 7);
        Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 3, 6, 4);
        var rnd = new Random(5);
        float[] w = TinyModels.gaussianWeights(batch, rnd);

        model.zeroGrad();
        float[] logp = model.forward(batch);
        model.backward(w);

        int checked = 0;
        double worst = 0;
        for (Parameter p : model.parameters().values()) {
            int n = (int) p.size();
            float[] value = new float[n], grad = new float[n];
            be.download(p.value(), 0, value, 0, n);
            be.download(p.gradOrNull(), 0, grad, 0, n);
            for (int s = 0; s < 6; s++) {
                int i = rnd.nextInt(n);
                float keep = value[i];
                float h = 1e-2f * Math.max(1f, Math.abs(keep));
                double up = objective(model, be, p, value, i, keep + h, batch, w);
                double dn = objective(model, be, p, value, i, keep - h, batch, w);
                value[i] = keep;
                be.upload(value, i, p.value(), i, 1);
                double numeric = (up - dn) / (2 * h);
                double err = Math.abs(numeric - grad[i]);
                worst = Math.max(worst, err / (2e-3 + 2e-2 * Math.abs(numeric)));
                assertTrue(err <= 2e-3 + 2e-2 * Math.abs(numeric),
                        which + ": " + p.name() + "[" + i + "]: backward " + grad[i] + " vs finite difference " + numeric);
                checked++;
            }
        }
        assertTrue(checked >= 6 * 15, "checked " + checked);
        assertNotEquals(0f, logp[0]);
    }

    @org.junit.jupiter.api.Test
    void referencePassBetweenForwardAndBackwardLeavesGradientsAlone() {
        Backend be = new CpuBackend();
        ModelConfig cfg = TinyModels.qwen2Tied();
        Batch batch = TinyModels.randomBatch(cfg.vocabSize(), 3, 6, 4);
        float[] w = new float[batch.rows()];
        java.util.Arrays.fill(w, -0.1f);
        float[][] grads = new float[2][];
        for (int run = 0; run < 2; run++) {
            Transformer model = TinyModels.init(cfg, be, 7);
            model.zeroGrad();
            model.forward(batch);
            if (run == 1) model.sequenceLogProbs(TinyModels.randomBatch(cfg.vocabSize(), 9, 5, 5, 5), null);
            model.backward(w);
            Parameter p = model.parameters().get("model.layers.0.self_attn.q_proj.weight");
            grads[run] = new float[(int) p.size()];
            be.download(p.gradOrNull(), 0, grads[run], 0, grads[run].length);
        }
        assertArrayEquals(grads[0], grads[1]);
    }

    @org.junit.jupiter.api.Test
    void sequenceLevelObjectiveMatchesFiniteDifferenceOfSummedLogProbs() {
        // a DPO/RL-shaped loss: L = Σ_b c_b · Σ_{t ∈ response(b)} logp_{b,t}, prompts of 3 and 2 tokens masked
        Backend be = new CpuBackend();
        ModelConfig cfg = TinyModels.llamaUntied();
        Transformer model = TinyModels.init(cfg, be, 5);
        var rnd = new Random(1);
        var seqs = java.util.List.of(rnd.ints(7, 0, cfg.vocabSize()).toArray(), rnd.ints(5, 0, cfg.vocabSize()).toArray());
        Batch batch = Batch.of(seqs, new int[]{3, 2}, 7);
        double[] c = {0.7, -1.3};
        float[] dLogp = new float[batch.rows()];
        batch.spreadPerSequence(c, dLogp);
        model.zeroGrad();
        double[] sums = batch.sumPerSequence(model.forward(batch));
        assertArrayEquals(model.sequenceLogProbs(batch, null), sums, 1e-5);
        model.backward(dLogp);
        Parameter p = model.parameters().get("model.layers.1.mlp.down_proj.weight");
        float[] value = new float[(int) p.size()], grad = new float[(int) p.size()];
        be.download(p.value(), 0, value, 0, value.length);
        be.download(p.gradOrNull(), 0, grad, 0, grad.length);
        for (int i : new int[]{0, 17, 100}) {
            float keep = value[i], h = 1e-2f;
            double[] loss = new double[2];
            for (int side = 0; side < 2; side++) {
                value[i] = keep + (side == 0 ? h : -h);
                be.upload(value, i, p.value(), i, 1);
                double[] s = model.sequenceLogProbs(batch, null);
                loss[side] = c[0] * s[0] + c[1] * s[1];
            }
            value[i] = keep;
            be.upload(value, i, p.value(), i, 1);
            double numeric = (loss[0] - loss[1]) / (2 * h);
            assertEquals(numeric, grad[i], 2e-3 + 2e-2 * Math.abs(numeric), "d/dW[" + i + "]");
        }
    }

    private static double objective(Transformer model, Backend be, Parameter p, float[] value, int i, float x, Batch batch,
                                     float[] w) {
        value[i] = x;
        be.upload(value, i, p.value(), i, 1);
        float[] logp = model.forward(batch);
        double s = 0;
        for (int r = 0; r < logp.length; r++) s += (double) w[r] * logp[r];
        return s;
    }
}
