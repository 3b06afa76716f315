package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HiddenStatesTest {
    final Backend be = new CpuBackend();

    static float[] values(Backend be, Parameter p) {
        float[] v = new float[(int) p.size()];
        be.download(p.value(), 0, v, 0, v.length);
        return v;
    }

    @Test
    void zeroLayersAreTheEmbeddingsAndAllLayersNormedAndProjectedAreTheLogits() {
        for (ModelConfig cfg : List.of(TinyModels.qwen2Tied(), TinyModels.llamaUntied())) {
            var model = TinyModels.init(cfg, be, 5);
            int hs = cfg.hiddenSize(), vocab = cfg.vocabSize();
            int[] tokens = {3, 7, 1, 18, 0, 5};
            float[] embed = values(be, model.parameters().get("model.embed_tokens.weight"));
            float[] h0 = model.hiddenStates(tokens, 0);
            for (int t = 0; t < tokens.length; t++)
                assertArrayEquals(Arrays.copyOfRange(embed, tokens[t] * hs, tokens[t] * hs + hs), Arrays.copyOfRange(h0, t * hs, t * hs + hs));

            float[] h = model.hiddenStates(tokens, cfg.numHiddenLayers());
            model.sequenceLogProbs(Batch.of(List.of(tokens)), null);
            float[] logits = model.logitsOfLastForward(false);
            float[] norm = values(be, model.parameters().get("model.norm.weight"));
            float[] head = values(be, model.parameters().get(cfg.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight"));
            for (int t = 0; t < tokens.length; t++) {
                double ss = 0;
                for (int i = 0; i < hs; i++) ss += (double) h[t * hs + i] * h[t * hs + i];
                double rstd = 1 / Math.sqrt(ss / hs + cfg.rmsNormEps());
                for (int v = 0; v < vocab; v++) {
                    double z = 0;
                    for (int i = 0; i < hs; i++) z += h[t * hs + i] * rstd * norm[i] * head[v * hs + i];
                    assertEquals(z, logits[t * vocab + v], 1e-4, "token " + t + " logit " + v);
                }
            }
        }
    }

    @Test
    void causalPrefixesKeepTheirStatesAndBadLayersAreRejected() {
        var cfg = TinyModels.llamaUntied();
        var model = TinyModels.init(cfg, be, 8);
        int hs = cfg.hiddenSize();
        float[] longer = model.hiddenStates(new int[]{4, 2, 9, 11, 6}, 1);
        float[] prefix = model.hiddenStates(new int[]{4, 2, 9}, 1);
        assertArrayEquals(prefix, Arrays.copyOf(longer, 3 * hs), 1e-5f);
        assertThrows(IllegalArgumentException.class, () -> model.hiddenStates(new int[]{1}, cfg.numHiddenLayers() + 1));
        assertThrows(IllegalArgumentException.class, () -> model.hiddenStates(new int[]{cfg.vocabSize()}, 1));
    }
}
