package dev.deliberate.engine.train;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.generate.Generator;
import dev.deliberate.engine.generate.SamplingParams;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A tiny model memorises a short text, then greedy decoding reproduces it exactly; training is deterministic. */
class OverfitTest {
    static final String TEXT = "the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.";

    static int[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        int[] t = new int[b.length];
        for (int i = 0; i < b.length; i++) t[i] = b[i];
        return t;
    }

    static double[] train(Transformer model, int steps) {
        int[] text = bytes(TEXT);
        var opt = new AdamW(model, AdamW.Config.defaults(0.0));
        var trainer = new Trainer(model, opt, new LrSchedule(3e-3, 10, steps, 0.1), 1.0);
        // two micro-batches exercise gradient accumulation and the loss mask: all targets, then the second half only
        var a = Batch.of(List.of(text));
        var b = Batch.of(List.of(text), new int[]{text.length / 2}, text.length);
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) losses[s] = trainer.step(List.of(a, b), Objective.crossEntropy()).loss();
        return losses;
    }

    static Transformer fresh() {
        var cfg = ModelConfig.llama(32, 64, 2, 4, 2, 128, 128);
        var model = new Transformer(cfg, new CpuBackend());
        model.initialize(1234);
        return model;
    }

    @Test
    void memorisesTextAndGreedyDecodingReproducesIt() {
        var model = fresh();
        double[] losses = train(model, 300);
        assertTrue(losses[0] > 4.0, "initial loss should be near ln(128) = 4.85, got " + losses[0]);
        assertTrue(losses[losses.length - 1] < 0.02, "final loss " + losses[losses.length - 1]);

        int[] text = bytes(TEXT);
        int[] prompt = Arrays.copyOf(text, 4);
        var gen = Generator.generate(model, List.of(prompt), SamplingParams.greedy(text.length - 4), 1, null);
        int[] got = gen.getFirst().getFirst().tokens();
        assertArrayEquals(Arrays.copyOfRange(text, 4, text.length), got);

        // deterministic: the same seed gives bit-identical losses
        double[] again = train(fresh(), 5);
        assertArrayEquals(Arrays.copyOf(losses, 5), again);
    }
}
