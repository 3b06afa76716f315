package dev.deliberate.engine.generate;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.KvCache;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DecodeSessionTest {
    static Transformer model() {
        var cfg = new ModelConfig(ModelConfig.Architecture.QWEN2, 32, 48, 2, 4, 2, 8, 61, 128, 1e-6, 10000,
                ModelConfig.RopeScaling.NONE, false, false, 0.5, 0, null, List.of());
        var m = new Transformer(cfg, new CpuBackend());
        m.initialize(11); // std 0.5 makes the distribution peaked enough that greedy paths are well separated
        return m;
    }

    @Test
    void kvCacheLogitsEqualFullForwardLogits() {
        var m = model();
        int V = m.config().vocabSize();
        int[] seq = {3, 17, 42, 8, 8, 59, 1, 30, 12, 5};
        m.sequenceLogProbs(Batch.of(List.of(seq)), null);
        float[] full = m.logitsOfLastForward(false);

        // prefill 4 tokens in one step, then one token per step, in slot 1 of a 3-slot cache
        var cache = new KvCache(m.backend(), m.config(), 3, 16);
        float[] got = new float[seq.length * V];
        float[] out = new float[4 * V];
        m.forwardCached(cache, 4, Arrays.copyOf(seq, 4), new int[]{1, 1, 1, 1}, new int[]{0, 1, 2, 3}, new int[]{0, 1, 2, 3}, out);
        System.arraycopy(out, 0, got, 0, 4 * V);
        for (int t = 4; t < seq.length; t++) {
            m.forwardCached(cache, 1, new int[]{seq[t]}, new int[]{1}, new int[]{t}, new int[]{0}, out);
            System.arraycopy(out, 0, got, t * V, V);
        }
        // the full forward multiplies 10-row matrices, the cached steps 4- and 1-row ones: Gemm may sum those in
        // different orders, so equal up to fp32 rounding (the logits here are O(1)); a wrong cache is off by O(0.1)
        for (int i = 0; i < got.length; i++) assertEquals(full[i], got[i], 1e-4, "logit " + i);
    }

    @Test
    void paddedBatchGivesEachSequenceItsOwnLogProbs() {
        var m = model();
        int[] a = {1, 2, 3, 4, 5, 6, 7}, b = {9, 8, 7};
        double[] both = m.sequenceLogProbs(Batch.of(List.of(a, b)), null);
        double alone = m.sequenceLogProbs(Batch.of(List.of(b)), null)[0];
        assertEquals(alone, both[1], 1e-5);
        assertEquals(m.sequenceLogProbs(Batch.of(List.of(a)), null)[0], both[0], 1e-5);
        // the training forward gives the same per-token log-probs
        float[] logp = m.forward(Batch.of(List.of(a, b)));
        double s = 0;
        for (int t = 0; t < 7; t++) s += logp[7 + t];
        assertEquals(both[1], s, 1e-5);
    }

    @Test
    void admittingIntoARunningSessionGivesTheSameTokensAsDecodingAlone() {
        var m = model();
        int[] p1 = {4, 9, 16, 25}, p2 = {7, 7, 2, 40, 33, 1, 19};
        var greedy = SamplingParams.greedy(12);
        var sampled = SamplingParams.sample(0.9, 20, 0.9, 12, 77);

        int[] alone1 = solo(m, p1, greedy), alone2 = solo(m, p2, sampled);

        var s = new DecodeSession(m, 2, 64, 3); // 3 rows per step: p2's prefill is chunked while p1 decodes
        int slot1 = s.admit(p1, greedy, null);
        var results = new ArrayList<Generation>(Arrays.asList(new Generation[2]));
        int slot2 = -1;
        for (int step = 0; s.active() > 0 || slot2 < 0; step++) {
            if (step == 3) slot2 = s.admit(p2, sampled, null);
            for (var f : s.step().finished()) results.set(f.slot() == slot1 ? 0 : 1, f.generation());
        }
        assertArrayEquals(alone1, results.get(0).tokens());
        assertArrayEquals(alone2, results.get(1).tokens());
        assertEquals(FinishReason.LENGTH, results.get(0).finishReason());
        assertNotEquals(slot1, slot2);
    }

    static int[] solo(Transformer m, int[] prompt, SamplingParams p) {
        return Generator.generate(m, List.of(prompt), p, 1, null).getFirst().getFirst().tokens();
    }

    @Test
    void stopsOnEosAndStopStringsAndReportsLogProbs() {
        var m = model();
        int[] prompt = {4, 9, 16};
        var g = Generator.generate(m, List.of(prompt), SamplingParams.greedy(10), 1, null).getFirst().getFirst();
        assertEquals(10, g.tokens().length);
        for (float lp : g.logProbs()) assertTrue(lp <= 0 && lp > -20);
        // the greedy token's log-prob equals the full forward's log-prob of that token
        int[] seq = new int[prompt.length + 1];
        System.arraycopy(prompt, 0, seq, 0, 3);
        seq[3] = g.tokens()[0];
        double lp = m.sequenceLogProbs(Batch.of(List.of(seq), new int[]{3}, 4), null)[0];
        assertEquals(lp, g.logProbs()[0], 1e-5);

        int eos = g.tokens()[3];
        int firstEos = 0;
        while (g.tokens()[firstEos] != eos) firstEos++;
        var e = Generator.generate(m, List.of(prompt), SamplingParams.greedy(10).withStops(List.of(eos), List.of()), 1, null)
                .getFirst().getFirst();
        assertEquals(FinishReason.EOS, e.finishReason());
        assertArrayEquals(Arrays.copyOf(g.tokens(), firstEos + 1), e.tokens());

        // detokenize as "<id>" strings; stop once "<eos-id>" appears
        Detokenizer detok = (toks, n) -> {
            var sb = new StringBuilder();
            for (int i = 0; i < n; i++) sb.append('<').append(toks[i]).append('>');
            return sb.toString();
        };
        var st = Generator.generate(m, List.of(prompt), SamplingParams.greedy(10).withStops(List.of(), List.of("<" + eos + ">")), 1, detok)
                .getFirst().getFirst();
        assertEquals(FinishReason.STOP_STRING, st.finishReason());
        assertArrayEquals(e.tokens(), st.tokens());
    }

    @Test
    void samplingIsSeededPerSampleAndTopKOneIsGreedy() {
        var m = model();
        List<int[]> prompts = List.of(new int[]{5, 6, 7}, new int[]{1});
        var p = SamplingParams.sample(1.2, 0, 1.0, 8, 3);
        var a = Generator.generate(m, prompts, p, 3, null);
        var b = Generator.generate(m, prompts, p, 3, null);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) assertArrayEquals(a.get(i).get(j).tokens(), b.get(i).get(j).tokens());
        assertFalse(Arrays.equals(a.getFirst().get(0).tokens(), a.getFirst().get(1).tokens())
                && Arrays.equals(a.getFirst().get(1).tokens(), a.getFirst().get(2).tokens()), "samples with different seeds differ");
        var k1 = Generator.generate(m, prompts, SamplingParams.sample(1.5, 1, 1.0, 8, 9), 1, null);
        var gr = Generator.generate(m, prompts, SamplingParams.greedy(8), 1, null);
        assertArrayEquals(gr.getFirst().getFirst().tokens(), k1.getFirst().getFirst().tokens());
        var tinyP = Generator.generate(m, prompts, SamplingParams.sample(1.5, 0, 1e-6, 8, 9), 1, null);
        assertArrayEquals(gr.get(1).getFirst().tokens(), tinyP.get(1).getFirst().tokens());
    }
}
