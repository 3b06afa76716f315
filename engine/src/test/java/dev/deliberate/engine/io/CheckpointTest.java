package dev.deliberate.engine.io;

import dev.deliberate.engine.Shared;
import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {
    @TempDir
    Path dir;
    final Backend be = new CpuBackend();

    static float[] values(Backend be, Parameter p) {
        float[] v = new float[(int) p.size()];
        be.download(p.value(), 0, v, 0, v.length);
        return v;
    }

    static void assertSameWeights(Backend be, Transformer a, Transformer b) {
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        for (var e : a.parameters().entrySet()) {
            float[] x = values(be, e.getValue()), y = values(be, b.parameters().get(e.getKey()));
            assertArrayEquals(x, y, e.getKey()); // assertArrayEquals on float[] compares bits (floatToIntBits)
        }
    }

    @Test
    void saveLoadRoundTripIsBitExactSingleAndSharded() throws IOException {
        var cfg = ModelConfig.llama(32, 48, 3, 4, 2, 50, 64);
        var model = new Transformer(cfg, be);
        model.initialize(9);
        Path single = dir.resolve("single");
        Checkpoint.save(model, single);
        assertTrue(Files.isRegularFile(single.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(single.resolve("generation_config.json")));
        assertSameWeights(be, model, Checkpoint.load(single, be));
        assertEquals(cfg, Checkpoint.load(single, be).config());

        Path sharded = dir.resolve("sharded");
        Checkpoint.save(model, sharded, new Checkpoint.Options(null, 20_000, Safetensors.DType.F32, null));
        assertTrue(Files.isRegularFile(sharded.resolve("model.safetensors.index.json")));
        assertTrue(Files.isRegularFile(sharded.resolve("model-00001-of-" + String.format("%05d", countShards(sharded)) + ".safetensors")));
        assertTrue(countShards(sharded) > 1);
        assertSameWeights(be, model, Checkpoint.load(sharded, be));

        // overwriting an existing checkpoint replaces it whole and leaves no temporary folders
        Checkpoint.save(model, single);
        try (var s = Files.list(dir)) {
            assertEquals(List.of("sharded", "single"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    static int countShards(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return (int) s.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
        }
    }

    @Test
    void reloadedReferenceCheckpointKeepsItsLogitsAndTokenizerFiles() throws IOException {
        Path src = Shared.checkpoint("qwen2-tied-bias");
        var model = Checkpoint.load(src, be);
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\":\"1.0\"}");
        Path out = dir.resolve("copy");
        Checkpoint.save(model, out, new Checkpoint.Options(dir, Checkpoint.DEFAULT_SHARD_BYTES, Safetensors.DType.F32, null));
        assertEquals("{\"version\":\"1.0\"}", Files.readString(out.resolve("tokenizer.json")));
        try (var r = Safetensors.open(out.resolve("model.safetensors"))) {
            assertFalse(r.entries().containsKey("lm_head.weight"), "tied embeddings are stored once");
        }
        var again = Checkpoint.load(out, be);
        assertSameWeights(be, model, again);
        var batch = Batch.of(List.of(new int[]{1, 5, 9, 200, 17}));
        assertArrayEquals(model.sequenceLogProbs(batch, null), again.sequenceLogProbs(batch, null));
    }

    @Test
    void missingOrMisshapenTensorsAreNamed() throws IOException {
        var cfg = ModelConfig.llama(16, 24, 1, 2, 2, 20, 32);
        var model = new Transformer(cfg, be);
        Path d = dir.resolve("m");
        Checkpoint.save(model, d);
        // a config that wants a bigger vocabulary than the weights hold
        var bigger = new ModelConfig(cfg.architecture(), 16, 24, 1, 2, 2, 8, 21, 32, 1e-5, 10000,
                ModelConfig.RopeScaling.NONE, false, false, 0.02, 0, null, List.of());
        bigger.write(d.resolve("config.json"));
        var e = assertThrows(IOException.class, () -> Checkpoint.load(d, be));
        assertTrue(e.getMessage().contains("model.embed_tokens.weight") && e.getMessage().contains("[20, 16]"), e.getMessage());
        // two layers configured, one stored
        var deeper = new ModelConfig(cfg.architecture(), 16, 24, 2, 2, 2, 8, 20, 32, 1e-5, 10000,
                ModelConfig.RopeScaling.NONE, false, false, 0.02, 0, null, List.of());
        deeper.write(d.resolve("config.json"));
        e = assertThrows(IOException.class, () -> Checkpoint.load(d, be));
        assertTrue(e.getMessage().contains("model.layers.1.") && e.getMessage().contains("missing"), e.getMessage());
    }
}
