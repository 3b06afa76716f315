package dev.deliberate.align.llm;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.io.PeftAdapter;
import dev.deliberate.engine.io.TinyCheckpoint;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.LoraConfig;
import dev.deliberate.engine.model.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Model references that name a LoRA adapter: the adapter folder alone, or BASE+ADAPTER, open as chat models. */
class LocalAdapterTest {
    @TempDir
    Path tmp;

    @Test
    void adapterReferencesOpenWithTheAdaptedWeights() throws Exception {
        Path base = tmp.resolve("base"), adapter = tmp.resolve("adapter");
        TinyCheckpoint.write(base, 3);
        var m = Checkpoint.load(base, new CpuBackend());
        m.attachLora(LoraConfig.parse("r=2,alpha=4,targets=q_proj+down_proj"), 1);
        var rnd = new Random(2);
        for (Parameter p : m.adapterParameters().values()) {
            float[] v = new float[(int) p.size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian() * 0.3f;
            m.backend().upload(v, 0, p.value(), 0, v.length);
        }
        var batch = Batch.of(List.of(new int[]{5, 9, 30, 2, 17}));
        double want = m.sequenceLogProbs(batch, null)[0];
        PeftAdapter.write(m, adapter, base.toAbsolutePath().toString(), null);

        var reg = new ChatModels.Registry().registerLocal(new LocalModelLoader());
        for (String ref : List.of(adapter.toString(), base + "+" + adapter)) {
            assertTrue(LocalCheckpoint.isEngineCheckpoint(Path.of(ref)), ref);
            try (var c = LocalCheckpoint.open(Path.of(ref))) {
                assertEquals(want, c.model().sequenceLogProbs(batch, null)[0], 1e-4, ref); // merged at load
                assertEquals(base.toAbsolutePath().normalize(), c.dir());
                // the id keys response caches: the adapted model must not share the base's
                assertEquals(base.toAbsolutePath().normalize() + "+" + adapter.toAbsolutePath().normalize(), c.id(), ref);
            }
            try (var chat = reg.open(ref, ChatModels.OpenOptions.defaults().withNoCache())) {
                assertNotNull(chat);
                assertTrue(chat.id().endsWith("+" + adapter.toAbsolutePath().normalize()), chat.id());
            }
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> reg.open(tmp.resolve("nope") + "+" + adapter, ChatModels.OpenOptions.defaults().withNoCache()));
        assertTrue(e.getMessage().contains("BASE_DIR+ADAPTER_DIR"), e.getMessage());
    }
}
