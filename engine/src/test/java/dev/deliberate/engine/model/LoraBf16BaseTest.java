package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Bf16;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.train.AdamW;
import dev.deliberate.engine.train.LrSchedule;
import dev.deliberate.engine.train.Objective;
import dev.deliberate.engine.train.Trainer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A LoRA model on a bf16 base ({@link Transformer#setBaseDtype}) against the same model whose fp32 base weights were
 * rounded to bf16 first: the same logits (training forward, reference pass, KV-cache decode), the same loss curve over
 * training steps, the same merge; and the frozen matrices take half the bytes.
 */
class LoraBf16BaseTest {
    private static final Backend BE = new CpuBackend();

    /** Tied Qwen2 (the LM head is the bf16 embedding) and untied Llama, both big enough for the packed GEMM path. */
    private static ModelConfig config(String arch) {
        return arch.equals("qwen2")
                ? new ModelConfig(ModelConfig.Architecture.QWEN2, 64, 160, 2, 4, 2, 16, 101, 64, 1e-6, 10000,
                        ModelConfig.RopeScaling.NONE, true, false, 0.2, 0, null, List.of())
                : new ModelConfig(ModelConfig.Architecture.LLAMA, 48, 136, 2, 4, 1, 12, 97, 64, 1e-5, 10000,
                        ModelConfig.RopeScaling.NONE, false, true, 0.2, 0, null, List.of());
    }

    /** The base with every 2-D weight rounded to bf16 in place, still held as fp32. */
    private static void roundBaseInPlace(Transformer m) {
        for (Parameter p : m.parameters().values())
            if (p.shape().length == 2) {
                float[] v = new float[(int) p.size()];
                BE.download(p.value(), 0, v, 0, v.length);
                for (int i = 0; i < v.length; i++) v[i] = Bf16.round(v[i]);
                BE.upload(v, 0, p.value(), 0, v.length);
            }
    }

    /** Seeded base, LoRA attached (B random, so the adapter matters), then either rounded in place or stored as bf16. */
    private static Transformer model(ModelConfig cfg, LoraConfig lora, boolean bf16) {
        Transformer m = TinyModels.init(cfg, BE, 7);
        if (!bf16) roundBaseInPlace(m);
        m.attachLora(lora, 7);
        var rnd = new Random(8);
        for (Parameter p : m.adapterParameters().values())
            if (p.name().contains("lora_B")) {
                float[] v = new float[(int) p.size()];
                for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian() * 0.2f;
                BE.upload(v, 0, p.value(), 0, v.length);
            }
        if (bf16) m.setBaseDtype(BaseDtype.BF16);
        return m;
    }

    private static Batch batch(int vocab, long seed) {
        return TinyModels.randomBatch(vocab, seed, 9, 7, 9, 4);
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5, what + " at " + i);
    }

    @ParameterizedTest
    @CsvSource({"qwen2, 0.0, false", "llama, 0.0, true", "qwen2, 0.2, true"})
    void logitsEqualThoseOfTheRoundedFp32Base(String arch, double dropout, boolean checkpointing) {
        ModelConfig cfg = config(arch);
        var lora = new LoraConfig(4, 8, LoraConfig.MODULES, dropout, false);
        Transformer want = model(cfg, lora, false), got = model(cfg, lora, true);
        Transformer unrounded = TinyModels.init(cfg, BE, 7);
        Batch b = batch(cfg.vocabSize(), 3);

        want.sequenceLogProbs(b, null);
        got.sequenceLogProbs(b, null);
        unrounded.sequenceLogProbs(b, null);
        float[] w = want.logitsOfLastForward(false), g = got.logitsOfLastForward(false);
        assertClose(w, g, "reference-pass logits");
        float maxDiff = 0;
        float[] u = unrounded.logitsOfLastForward(false);
        for (int i = 0; i < u.length; i++) maxDiff = Math.max(maxDiff, Math.abs(u[i] - w[i]));
        assertTrue(maxDiff > 1e-4, "the rounding must move the logits for the comparison to mean something: " + maxDiff);

        want.setCheckpointing(checkpointing);
        got.setCheckpointing(checkpointing);
        want.seedDropout(5);
        got.seedDropout(5);
        assertClose(want.forward(b), got.forward(b), "training-forward log-probs");
        assertClose(want.logitsOfLastForward(true), got.logitsOfLastForward(true), "training-forward logits");
        assertArrayEquals(want.withoutAdapters(() -> want.sequenceLogProbs(b, null)),
                got.withoutAdapters(() -> got.sequenceLogProbs(b, null)), 1e-5, "the base alone (DPO/RL reference)");

        // decode: a few rows against a KV cache take the narrow GEMM path
        float[][] logits = new float[2][];
        int i = 0;
        for (Transformer m : List.of(want, got)) {
            var cache = new KvCache(BE, cfg, 2, 16);
            int[] tokens = {5, 9, 11, 2}, slots = {0, 0, 1, 1}, pos = {0, 1, 0, 1}, rows = {1, 3};
            logits[i] = new float[2 * cfg.vocabSize()];
            m.forwardCached(cache, 4, tokens, slots, pos, rows, logits[i]);
            i++;
        }
        assertClose(logits[0], logits[1], "decode logits");
    }

    @ParameterizedTest
    @CsvSource({"qwen2, false", "llama, true"})
    void trainingStepsGiveTheSameLossCurveAndAdapters(String arch, boolean checkpointing) {
        ModelConfig cfg = config(arch);
        var lora = new LoraConfig(4, 8, LoraConfig.MODULES, 0.1, false);
        double[][] losses = new double[2][5];
        List<float[]> adapters = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            Transformer m = model(cfg, lora, run == 1);
            m.setCheckpointing(checkpointing);
            m.seedDropout(3);
            var trainer = new Trainer(m, new AdamW(m, AdamW.Config.defaults(0.0)), LrSchedule.constant(1e-2), 1.0);
            for (int step = 0; step < losses[run].length; step++) // one batch again and again, so the loss falls
                losses[run][step] = trainer.step(List.of(batch(cfg.vocabSize(), 10)), Objective.crossEntropy()).loss();
            for (Parameter p : m.adapterParameters().values()) {
                float[] v = new float[(int) p.size()];
                BE.download(p.value(), 0, v, 0, v.length);
                adapters.add(v);
            }
        }
        assertArrayEquals(losses[0], losses[1], 1e-5, "loss curve, fp32 rounded base vs bf16 base");
        assertTrue(losses[0][4] < losses[0][0], "the loss must fall: " + java.util.Arrays.toString(losses[0]));
        int half = adapters.size() / 2;
        for (int j = 0; j < half; j++) assertClose(adapters.get(j), adapters.get(half + j), "adapter tensor " + j + " after training");
    }

    @Test
    void frozenMatricesTakeHalfTheBytesAndVectorsStayFp32() {
        ModelConfig cfg = config("llama");
        Transformer m = model(cfg, LoraConfig.parse("r=4,alpha=8"), false);
        long matrices = 0, vectors = 0, elements = 0;
        for (Parameter p : m.parameters().values()) {
            if (p.shape().length == 2) {
                matrices += p.bytes();
                elements += p.size();
            } else vectors += p.bytes();
        }
        assertEquals(4 * elements, matrices);
        long adapterBytes = m.adapterParameters().values().stream().mapToLong(Parameter::bytes).sum();
        m.setBaseDtype(BaseDtype.BF16);
        long matricesAfter = 0, vectorsAfter = 0;
        for (Parameter p : m.parameters().values()) {
            if (p.shape().length == 2) {
                assertEquals(BaseDtype.BF16, p.dtype(), p.name());
                assertEquals(2 * p.size(), p.bytes(), p.name());
                matricesAfter += p.bytes();
            } else {
                assertEquals(BaseDtype.FP32, p.dtype(), p.name());
                vectorsAfter += p.bytes();
            }
        }
        assertEquals(matrices / 2, matricesAfter, "the frozen matrices' bytes are halved");
        assertEquals(vectors, vectorsAfter);
        assertEquals(adapterBytes, m.adapterParameters().values().stream().mapToLong(Parameter::bytes).sum(), "adapters stay fp32");
        for (Parameter p : m.adapterParameters().values()) assertEquals(BaseDtype.FP32, p.dtype());
    }

    @Test
    void bf16NeedsAFrozenBaseAndMergeWidensTheRoundedBase() {
        ModelConfig cfg = config("qwen2");
        Transformer plain = TinyModels.init(cfg, BE, 7);
        var e = assertThrows(IllegalStateException.class, () -> plain.setBaseDtype(BaseDtype.BF16));
        assertTrue(e.getMessage().contains("--base-dtype bf16"), e.getMessage());

        var lora = LoraConfig.parse("r=4,alpha=8,targets=q_proj+down_proj");
        Transformer want = model(cfg, lora, false), got = model(cfg, lora, true);
        want.mergeAdapters();
        got.mergeAdapters();
        assertEquals(BaseDtype.FP32, got.baseDtype());
        for (var p : got.parameters().values()) {
            assertEquals(BaseDtype.FP32, p.dtype(), p.name());
            assertTrue(p.trainable(), p.name());
            float[] a = new float[(int) p.size()], b = new float[(int) p.size()];
            BE.download(want.parameters().get(p.name()).value(), 0, a, 0, a.length);
            BE.download(p.value(), 0, b, 0, b.length);
            assertArrayEquals(a, b, "merged " + p.name() + " = bf16-rounded base + s·B·A");
        }
    }
}
