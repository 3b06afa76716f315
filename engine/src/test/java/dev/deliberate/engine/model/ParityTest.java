package dev.deliberate.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.engine.Shared;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.generate.Generator;
import dev.deliberate.engine.generate.SamplingParams;
import dev.deliberate.engine.io.Checkpoint;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Logits and greedy continuations of Hugging Face transformers' tiny random checkpoints. */
class ParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "qwen2-tied-bias", "qwen2-bf16"})
    void logitsAndGreedyContinuationMatchTransformers(String name) throws Exception {
        var dir = Shared.checkpoint(name);
        JsonNode exp = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        var model = Checkpoint.load(dir, new CpuBackend());
        int vocab = model.config().vocabSize();

        List<int[]> seqs = new ArrayList<>();
        for (JsonNode s : exp.get("input_ids")) seqs.add(ints(s));
        var batch = Batch.of(seqs);
        model.sequenceLogProbs(batch, null);
        float[] logits = model.logitsOfLastForward(false);
        double maxErr = 0;
        for (int b = 0; b < seqs.size(); b++)
            for (int t = 0; t < 12; t++)
                for (int v = 0; v < vocab; v++) {
                    double want = exp.get("logits").get(b).get(t).get(v).asDouble();
                    maxErr = Math.max(maxErr, Math.abs(want - logits[(b * 12 + t) * vocab + v]));
                }
        // qwen2-bf16's expected logits are 4.2e-3 away from what its stored bf16 weights give, by an independent float64
        // numpy forward too (llama-gqa and qwen2-tied-bias agree with it to 1e-5): the reference was evidently computed
        // from the fp32 weights before they were rounded to bf16. 1e-2 still catches any real error (a wrong bf16
        // widening or layer moves logits by far more), and the greedy continuation below must match exactly.
        double tol = name.equals("qwen2-bf16") ? 1e-2 : 1e-4;
        assertTrue(maxErr < tol, name + ": max |logit error| " + maxErr);

        int[] full = ints(exp.get("greedy_continuation_of_first"));
        int[] prompt = seqs.getFirst();
        var out = Generator.generate(model, List.of(prompt), SamplingParams.greedy(full.length - prompt.length), 1, null);
        int[] got = out.getFirst().getFirst().tokens();
        int[] want = java.util.Arrays.copyOfRange(full, prompt.length, full.length);
        assertArrayEquals(want, got, name + ": greedy continuation");
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
