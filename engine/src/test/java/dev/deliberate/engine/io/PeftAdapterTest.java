package dev.deliberate.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.LoraConfig;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** PEFT adapter folders: PEFT's names and shapes (against a hand-written adapter), round trip, merge, bad files. */
class PeftAdapterTest {
    @TempDir
    Path dir;
    final Backend be = new CpuBackend();
    static final Path HAND_WRITTEN = Path.of("src/test/resources/peft/tiny-qv-r2");

    /** TinyModels.qwen2Tied's shape: hidden 16, 2 layers, 4 heads / 2 KV heads of 4, vocab 19. */
    static ModelConfig tiny() {
        return new ModelConfig(ModelConfig.Architecture.QWEN2, 16, 24, 2, 4, 2, 4, 19, 64, 1e-6, 10000,
                ModelConfig.RopeScaling.NONE, true, false, 0.2, 0, null, List.of());
    }

    Transformer base() {
        var m = new Transformer(tiny(), be);
        m.initialize(3);
        return m;
    }

    static Batch batch() {
        var rnd = new Random(2);
        return Batch.of(List.of(rnd.ints(7, 0, 19).toArray(), rnd.ints(5, 0, 19).toArray()), new int[2], 7);
    }

    float[] logits(Transformer m) {
        m.sequenceLogProbs(batch(), null);
        return m.logitsOfLastForward(false);
    }

    static Map<String, List<Long>> shapes(Path file) throws IOException {
        var out = new TreeMap<String, List<Long>>();
        try (var r = Safetensors.open(file)) {
            for (var e : r.entries().values()) out.put(e.name(), Arrays.stream(e.shape()).boxed().toList());
        }
        return out;
    }

    @Test
    void readsTheHandWrittenPeftAdapterAndWritesTheSameNamesAndShapes() throws IOException {
        Transformer m = base();
        float[] plain = logits(m);
        PeftAdapter.apply(m, HAND_WRITTEN);
        assertEquals(new LoraConfig(2, 4, List.of("v_proj", "q_proj"), 0.05, false), m.lora());
        Parameter b = m.adapterParameters().get("model.layers.1.self_attn.v_proj.lora_B.weight");
        assertArrayEquals(new long[]{8, 2}, b.shape());
        float[] v = new float[(int) b.size()];
        be.download(b.value(), 0, v, 0, v.length);
        int k = 7; // layer 1, v_proj, B: the eighth tensor
        for (int i = 0; i < v.length; i++) assertEquals((float) (0.01 * ((i * (k + 3)) % 11 - 5)), v[i], 1e-7f, "value " + i);
        assertFalse(Arrays.equals(plain, logits(m)), "the adapter changes the logits");

        PeftAdapter.write(m, dir.resolve("out"), "tiny-base", null);
        assertEquals(shapes(HAND_WRITTEN.resolve(PeftAdapter.WEIGHTS)), shapes(dir.resolve("out").resolve(PeftAdapter.WEIGHTS)));
        JsonNode mine = new ObjectMapper().readTree(dir.resolve("out/adapter_config.json").toFile());
        JsonNode peft = new ObjectMapper().readTree(HAND_WRITTEN.resolve("adapter_config.json").toFile());
        var names = new java.util.TreeSet<String>();
        peft.fieldNames().forEachRemaining(names::add);
        var mineNames = new java.util.TreeSet<String>();
        mine.fieldNames().forEachRemaining(mineNames::add);
        assertEquals(names, mineNames, "adapter_config.json fields");
        for (String f : List.of("peft_type", "r", "lora_alpha", "lora_dropout", "bias", "use_rslora", "task_type", "base_model_name_or_path"))
            assertEquals(peft.get(f), mine.get(f), f);
    }

    @Test
    void roundTripGivesIdenticalLogitsAndMergeMatchesTheAdapter() throws IOException {
        Path baseDir = dir.resolve("base");
        Transformer trained = base();
        Checkpoint.save(trained, baseDir);
        trained.attachLora(LoraConfig.parse("r=4,alpha=8,targets=all-linear,rslora=true"), 9);
        var rnd = new Random(4);
        for (Parameter p : trained.adapterParameters().values()) {
            float[] v = new float[(int) p.size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian() * 0.2f;
            be.upload(v, 0, p.value(), 0, v.length);
        }
        float[] want = logits(trained);
        Path adapter = dir.resolve("adapter");
        PeftAdapter.write(trained, adapter, baseDir.toAbsolutePath().toString(), null);

        // the adapter folder alone (base from base_model_name_or_path) and BASE+ADAPTER
        for (String ref : List.of(adapter.toString(), baseDir + "+" + adapter)) {
            var r = PeftAdapter.resolve(ref);
            assertEquals(adapter, r.adapter());
            Transformer back = PeftAdapter.load(r, be);
            assertArrayEquals(want, logits(back), ref);
        }
        Transformer merged = PeftAdapter.load(PeftAdapter.resolve(adapter.toString()), be);
        merged.mergeAdapters();
        Checkpoint.save(merged, dir.resolve("merged"));
        float[] got = logits(Checkpoint.load(dir.resolve("merged"), be));
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
        assertTrue(worst <= 1e-5, "merged logits differ by " + worst);
    }

    /**
     * modules_to_save: the embedding (here tied to the LM head) trains as a copy beside the adapters; with the adapters
     * off the model is the base exactly (DPO's and RL's reference); the folder names the copy as PEFT does, under both
     * of the tied matrix's names; read back and merged it gives the same logits.
     */
    @Test
    void modulesToSaveTrainACopyOfTheTiedEmbeddingThatRoundTripsAndMerges() throws IOException {
        Path baseDir = dir.resolve("base");
        Transformer m = base();
        Checkpoint.save(m, baseDir);
        float[] plain = logits(m);
        m.attachLora(LoraConfig.parse("r=2,alpha=4,targets=q_proj+v_proj,save=embed_tokens"), 5);
        assertEquals(LoraConfig.SAVABLE, m.lora().modulesToSave(), "a tied model saves both names of its one matrix");
        assertEquals(m.lora(), m.effective(LoraConfig.parse("r=2,alpha=4,targets=q_proj+v_proj,save=lm_head")),
                "continuing the adapter with either name is the same adapter");
        Parameter copy = m.adapterParameters().get("model.embed_tokens.weight");
        assertNotNull(copy);
        assertTrue(m.trainableParameters().contains(copy));
        assertTrue(m.parameters().values().stream().noneMatch(Parameter::trainable), "the base stays frozen");
        var rnd = new Random(6);
        for (Parameter p : m.adapterParameters().values()) {
            float[] v = new float[(int) p.size()];
            be.download(p.value(), 0, v, 0, v.length);
            for (int i = 0; i < v.length; i++) v[i] += (float) rnd.nextGaussian() * 0.1f;
            be.upload(v, 0, p.value(), 0, v.length);
        }
        float[] want = logits(m);
        assertFalse(Arrays.equals(plain, want));
        assertArrayEquals(plain, m.withoutAdapters(() -> logits(m)), "adapters off: the base's own embedding and head");

        Path adapter = dir.resolve("adapter");
        PeftAdapter.write(m, adapter, baseDir.toAbsolutePath().toString(), null);
        var names = shapes(adapter.resolve(PeftAdapter.WEIGHTS));
        assertEquals(List.of(19L, 16L), names.get("base_model.model.model.embed_tokens.weight"));
        assertEquals(List.of(19L, 16L), names.get("base_model.model.lm_head.weight"));
        JsonNode cfg = new ObjectMapper().readTree(adapter.resolve(PeftAdapter.CONFIG).toFile());
        assertEquals("[\"embed_tokens\",\"lm_head\"]", cfg.get("modules_to_save").toString());

        Transformer back = PeftAdapter.load(PeftAdapter.resolve(adapter.toString()), be);
        assertArrayEquals(want, logits(back));
        assertArrayEquals(plain, back.withoutAdapters(() -> logits(back)));
        back.mergeAdapters();
        float[] merged = logits(back);
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - merged[i]));
        assertTrue(worst <= 1e-5, "merged logits differ by " + worst);

        // a tied model cannot hold two different matrices: an adapter whose two copies differ is refused, naming both
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Files.copy(adapter.resolve(PeftAdapter.CONFIG), bad.resolve(PeftAdapter.CONFIG));
        var tensors = new java.util.LinkedHashMap<String, Safetensors.Tensor>();
        try (var r = Safetensors.open(adapter.resolve(PeftAdapter.WEIGHTS))) {
            for (var e : r.entries().values()) {
                float[] v = new float[Math.toIntExact(Arrays.stream(e.shape()).reduce(1, (a, b) -> a * b))];
                r.read(e.name(), v);
                if (e.name().endsWith("lm_head.weight")) v[3] += 1;
                tensors.put(e.name(), new Safetensors.Tensor(e.shape(), v));
            }
        }
        Safetensors.write(bad.resolve(PeftAdapter.WEIGHTS), tensors, Safetensors.DType.F32);
        var e = assertThrows(IOException.class, () -> PeftAdapter.apply(base(), bad));
        assertTrue(e.getMessage().contains("embed_tokens.weight") && e.getMessage().contains("lm_head.weight") && e.getMessage().contains("differ"), e.getMessage());
    }

    @Test
    void badAdaptersGetErrorsNamingTheTensor() throws IOException {
        // rank in the config disagrees with the tensors
        Path wrongRank = copy("wrong-rank");
        edit(wrongRank, "\"r\": 2", "\"r\": 3");
        var e = assertThrows(IOException.class, () -> PeftAdapter.apply(base(), wrongRank));
        assertTrue(e.getMessage().contains("base_model.model.model.layers.0.self_attn.") && e.getMessage().contains("r=3"), e.getMessage());

        // tensors for a module the config does not target
        Path noModule = copy("no-module");
        edit(noModule, "[\n    \"v_proj\",\n    \"q_proj\"\n  ]", "[\"q_proj\"]");
        e = assertThrows(IOException.class, () -> PeftAdapter.apply(base(), noModule));
        assertTrue(e.getMessage().contains("v_proj.lora_") && e.getMessage().contains("matches no adapted module"), e.getMessage());

        // an adapter for a deeper model: layer 1 exists, a 1-layer base has no match for it
        var shallow = new Transformer(new ModelConfig(ModelConfig.Architecture.QWEN2, 16, 24, 1, 4, 2, 4, 19, 64, 1e-6, 10000,
                ModelConfig.RopeScaling.NONE, true, false, 0.2, 0, null, List.of()), be);
        e = assertThrows(IOException.class, () -> PeftAdapter.apply(shallow, HAND_WRITTEN));
        assertTrue(e.getMessage().contains("model.layers.1.self_attn"), e.getMessage());

        // the base named in the config is not here
        e = assertThrows(IOException.class, () -> PeftAdapter.resolve(HAND_WRITTEN.toString()));
        assertTrue(e.getMessage().contains("base_model_name_or_path 'tiny-base'") && e.getMessage().contains("BASE_DIR+"), e.getMessage());

        Path dora = copy("dora");
        edit(dora, "\"use_dora\": false", "\"use_dora\": true");
        e = assertThrows(IOException.class, () -> PeftAdapter.apply(base(), dora));
        assertTrue(e.getMessage().contains("use_dora"), e.getMessage());
    }

    private Path copy(String name) throws IOException {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        for (String f : List.of(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS)) Files.copy(HAND_WRITTEN.resolve(f), to.resolve(f));
        return to;
    }

    private static void edit(Path adapter, String from, String to) throws IOException {
        Path f = adapter.resolve(PeftAdapter.CONFIG);
        String s = Files.readString(f);
        assertTrue(s.contains(from), "fixture lacks " + from);
        Files.writeString(f, s.replace(from, to));
    }
}
