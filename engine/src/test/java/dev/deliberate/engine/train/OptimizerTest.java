package dev.deliberate.engine.train;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class OptimizerTest {

    @Test
    void warmupThenCosineToTheFloor() {
        var s = new LrSchedule(1e-3, 10, 110, 0.1);
        assertEquals(1e-3 / 11, s.at(0), 1e-15);
        assertEquals(1e-3 * 10 / 11, s.at(9), 1e-15);
        assertEquals(1e-3, s.at(10), 1e-15);
        assertEquals(1e-3 * (0.1 + 0.9 * 0.5), s.at(60), 1e-12); // half way through the decay: cos(π/2) = 0
        assertEquals(1e-4, s.at(110), 1e-15);
        assertEquals(1e-4, s.at(500), 1e-15);
        for (int i = 11; i < 110; i++) assertTrue(s.at(i) <= s.at(i - 1));
    }

    @Test
    void weightDecayOnlyOnMatricesAndClippingBoundsTheUpdate() {
        var be = new CpuBackend();
        var model = new Transformer(ModelConfig.llama(8, 16, 1, 2, 2, 11, 16), be);
        model.initialize(3);
        model.zeroGrad(); // zero gradients: AdamW's only effect is the decay p ← p·(1 − lr·wd)
        var before = snapshot(model);
        var opt = new AdamW(model, new AdamW.Config(0.9, 0.999, 1e-8, 0.5, false));
        opt.step(0.1, 1.0);
        for (Parameter p : model.parameters().values()) {
            float[] now = values(be, p), was = before.get(p.name());
            boolean decays = p.shape().length == 2 && !p.name().contains("embed_tokens");
            for (int i = 0; i < now.length; i++)
                assertEquals(decays ? was[i] * (1 - 0.1f * 0.5f) : was[i], now[i], 1e-7, p.name());
        }

        // a huge gradient is clipped to norm 1 before the moments see it: the reported norm is the pre-clip one
        Parameter w = model.parameters().get("model.layers.0.mlp.up_proj.weight");
        float[] g = new float[(int) w.size()];
        Arrays.fill(g, 100f);
        be.upload(g, 0, w.grad(be), 0, g.length);
        double norm = opt.step(0.1, 1.0);
        assertEquals(100 * Math.sqrt(g.length), norm, 1e-2);
        assertEquals(1.0, opt.gradNorm(), 1e-4);
    }

    static java.util.Map<String, float[]> snapshot(Transformer m) {
        var out = new java.util.HashMap<String, float[]>();
        for (Parameter p : m.parameters().values()) out.put(p.name(), values(m.backend(), p));
        return out;
    }

    static float[] values(dev.deliberate.engine.backend.Backend be, Parameter p) {
        float[] v = new float[(int) p.size()];
        be.download(p.value(), 0, v, 0, v.length);
        return v;
    }
}
