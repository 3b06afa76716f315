package dev.deliberate.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.engine.Shared;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

class ModelConfigTest {
    static ModelConfig parse(String json) throws IOException {
        return ModelConfig.fromJson(new ObjectMapper().readTree(json), "config.json");
    }

    static final String BASE = "\"hidden_size\":64,\"intermediate_size\":128,\"num_hidden_layers\":2,"
            + "\"num_attention_heads\":4,\"vocab_size\":100";

    @Test
    void readsTransformers5ReferenceConfigs() throws IOException {
        var c = ModelConfig.read(Shared.checkpoint("qwen2-tied-bias").resolve("config.json"));
        assertEquals(ModelConfig.Architecture.QWEN2, c.architecture());
        assertEquals(1_000_000.0, c.ropeTheta());
        assertEquals(1, c.numKeyValueHeads());
        assertTrue(c.tieWordEmbeddings() && c.qkvBias() && !c.oBias());
        var l = ModelConfig.read(Shared.checkpoint("llama-gqa").resolve("config.json"));
        assertEquals(16, l.headDim());
        assertEquals(java.util.List.of(2), l.eosTokenIds());
    }

    @Test
    void readsTransformers4RopeAndLlama3Scaling() throws IOException {
        var c = parse("{\"architectures\":[\"LlamaForCausalLM\"]," + BASE + ",\"rope_theta\":500000.0,"
                + "\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
                + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192},\"eos_token_id\":[5,6]}");
        assertEquals(500000.0, c.ropeTheta());
        assertEquals("llama3", c.ropeScaling().type());
        assertEquals(16, c.headDim());
        assertEquals(java.util.List.of(5, 6), c.eosTokenIds());
        double[] inv = c.ropeInverseFrequencies();
        // HF _compute_llama3_parameters: highest frequency unchanged, lowest divided by the factor
        assertEquals(1.0, inv[0], 1e-12);
        assertEquals(Math.pow(500000.0, -14.0 / 16) / 8, inv[7], 1e-15);
        // the same through transformers 5's rope_parameters
        var c5 = parse("{\"architectures\":[\"LlamaForCausalLM\"]," + BASE + ",\"rope_parameters\":{\"rope_theta\":500000.0,"
                + "\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":8192}}");
        assertArrayEquals(inv, c5.ropeInverseFrequencies());
        // written config reads back identical
        assertEquals(c, ModelConfig.fromJson(c.toJson(), "written"));
    }

    @Test
    void errorsNameTheFieldAndFile() {
        var e = assertThrows(IOException.class, () -> parse("{\"architectures\":[\"GPT2LMHeadModel\"]," + BASE + "}"));
        assertTrue(e.getMessage().contains("architectures") && e.getMessage().contains("GPT2LMHeadModel"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse("{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":64}"));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'num_attention_heads'"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse("{\"architectures\":[\"LlamaForCausalLM\"]," + BASE.replace("\"vocab_size\":100", "\"vocab_size\":\"big\"") + "}"));
        assertTrue(e.getMessage().contains("'vocab_size'") && e.getMessage().contains("integer"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse("{\"architectures\":[\"LlamaForCausalLM\"]," + BASE + ",\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4}}"));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse("{\"architectures\":[\"LlamaForCausalLM\"]," + BASE + ",\"num_key_value_heads\":3}"));
        assertTrue(e.getMessage().contains("num_key_value_heads"), e.getMessage());
    }

    @Test
    void mistralSlidingWindowIsRejectedBeyondTheWindow() throws IOException {
        var c = parse("{\"architectures\":[\"MistralForCausalLM\"]," + BASE + ",\"sliding_window\":4}");
        assertEquals(4, c.slidingWindow());
        var m = new Transformer(c, new dev.deliberate.engine.backend.cpu.CpuBackend());
        var e = assertThrows(IllegalArgumentException.class, () -> m.sequenceLogProbs(Batch.of(java.util.List.of(new int[]{1, 2, 3, 4, 5})), null));
        assertTrue(e.getMessage().contains("sliding window"), e.getMessage());
        assertEquals(1, m.sequenceLogProbs(Batch.of(java.util.List.of(new int[]{1, 2, 3, 4})), null).length);
    }
}
