package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;

import java.util.List;
import java.util.Random;

/** Small configurations and batches for model tests. */
final class TinyModels {
    private TinyModels() {}

    static ModelConfig qwen2Tied() {
        return new ModelConfig(ModelConfig.Architecture.QWEN2, 16, 24, 2, 4, 2, 4, 19, 64, 1e-6, 10000,
                ModelConfig.RopeScaling.NONE, true, false, 0.2, 0, null, List.of());
    }

    static ModelConfig llamaUntied() {
        return new ModelConfig(ModelConfig.Architecture.LLAMA, 16, 24, 2, 4, 1, 4, 19, 64, 1e-5, 10000,
                ModelConfig.RopeScaling.NONE, false, true, 0.2, 0, null, List.of());
    }

    static Transformer init(ModelConfig cfg, Backend be, long seed) {
        var m = new Transformer(cfg, be);
        m.initialize(seed);
        // non-trivial norms and biases, so their gradients are exercised too
        var rnd = new Random(seed + 1);
        for (Parameter p : m.parameters().values())
            if (p.shape().length == 1) {
                float[] v = new float[(int) p.size()];
                for (int i = 0; i < v.length; i++) v[i] = (float) (p.name().endsWith("norm.weight") ? 0.5 + rnd.nextDouble() : rnd.nextGaussian() * 0.1);
                be.upload(v, 0, p.value(), 0, v.length);
            }
        return m;
    }

    /** A random weight per target row ({@code ∂L/∂logp}, 0 on ignored rows): the objective L = Σ w_r·logp_r. */
    static float[] gaussianWeights(Batch batch, Random rnd) {
        float[] w = new float[batch.rows()];
        for (int r = 0; r < w.length; r++) w[r] = batch.targets()[r] >= 0 ? (float) rnd.nextGaussian() : 0f;
        return w;
    }

    /** Every parameter's gradient, by name, in HF order. */
    static java.util.Map<String, float[]> gradients(Transformer model, Backend be) {
        var grads = new java.util.LinkedHashMap<String, float[]>();
        for (Parameter p : model.parameters().values()) {
            float[] g = new float[(int) p.size()];
            be.download(p.gradOrNull(), 0, g, 0, g.length);
            grads.put(p.name(), g);
        }
        return grads;
    }

    static Batch randomBatch(int vocab, long seed, int... lengths) {
        var rnd = new Random(seed);
        int seqLen = 0;
        for (int l : lengths) seqLen = Math.max(seqLen, l);
        var seqs = new java.util.ArrayList<int[]>();
        for (int l : lengths) {
            int[] s = new int[l];
            for (int i = 0; i < l; i++) s[i] = rnd.nextInt(vocab);
            seqs.add(s);
        }
        return Batch.of(seqs, new int[lengths.length], seqLen);
    }
}
