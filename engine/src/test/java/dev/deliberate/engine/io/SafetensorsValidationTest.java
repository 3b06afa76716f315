package dev.deliberate.engine.io;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import static dev.deliberate.engine.io.SafetensorsTest.file;
import static org.junit.jupiter.api.Assertions.*;

/** The safetensors layout rules (contiguous, non-overlapping, exactly covering ranges; unique names) and checkpoint containment. */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    String rejected(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, bytes);
        return assertThrows(IOException.class, () -> Safetensors.open(f).close()).getMessage();
    }

    static String two(String a, String b) {
        return "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" + a + "},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" + b + "}}";
    }

    @Test
    void overlappingGappedAndDuplicateRangesAreRefusedBeforeAnyRead() throws IOException {
        String e = rejected(file(two("[0,8]", "[4,12]"), 12));
        assertTrue(e.contains("'b'") && e.contains("overlaps") && e.contains("'a'"), e);
        e = rejected(file(two("[0,8]", "[0,8]"), 8));
        assertTrue(e.contains("overlaps"), e);
        e = rejected(file(two("[0,8]", "[12,20]"), 20));
        assertTrue(e.contains("4 bytes at 8..12") && e.contains("no holes"), e);
        e = rejected(file(two("[8,16]", "[16,24]"), 24));
        assertTrue(e.contains("0..8") && e.contains("before 'a'"), e);
        e = rejected(file(two("[0,8]", "[8,16]"), 20));
        assertTrue(e.contains("cover 16 of the 20 data bytes"), e);
        e = rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16));
        assertTrue(e.contains("named twice"), e);
        e = rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8));
        assertTrue(e.contains("more elements") || e.contains("more bytes"), e);
        // the well-formed pair, in either header order, opens
        Path ok = dir.resolve("ok.safetensors");
        Files.write(ok, file(two("[8,16]", "[0,8]"), 16));
        try (var r = Safetensors.open(ok)) {
            assertEquals(2, r.entries().size());
        }
        // zero-sized tensors take no bytes and fit anywhere
        Files.write(ok, file("{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        Safetensors.open(ok).close();
    }

    @Test
    void nonFiniteWeightsAreFoundAndRefusedWhenAsked() throws IOException {
        var m = new LinkedHashMap<String, Safetensors.Tensor>();
        m.put("fine", new Safetensors.Tensor(new long[]{2}, new float[]{1, 2}));
        m.put("bad", new Safetensors.Tensor(new long[]{3}, new float[]{0, Float.NaN, Float.POSITIVE_INFINITY}));
        Path f = dir.resolve("n.safetensors");
        Safetensors.write(f, m, Safetensors.DType.F32);
        try (var r = Safetensors.open(f)) {
            assertNull(r.firstNonFinite("fine"));
            assertEquals("index 1: NaN", r.firstNonFinite("bad"));
        }

        var be = new CpuBackend();
        var model = new Transformer(ModelConfig.llama(16, 24, 1, 2, 2, 20, 32), be);
        model.initialize(1);
        Path ck = dir.resolve("ck");
        Checkpoint.save(model, ck);
        Checkpoint.load(ck, be, true); // finite: loads
        var p = model.parameterList().get(3);
        float[] v = new float[Math.toIntExact(p.size())];
        be.download(p.value(), 0, v, 0, v.length);
        v[5] = Float.NEGATIVE_INFINITY;
        be.upload(v, 0, p.value(), 0, v.length);
        Checkpoint.save(model, ck);
        Checkpoint.load(ck, be); // unchecked: loads
        var e = assertThrows(IOException.class, () -> Checkpoint.load(ck, be, true));
        assertTrue(e.getMessage().contains("'" + p.name() + "'") && e.getMessage().contains("-Infinity at index 5"), e.getMessage());
    }

    @Test
    void aShardIndexCannotPointOutsideTheFolder() throws IOException {
        var be = new CpuBackend();
        var model = new Transformer(ModelConfig.llama(16, 24, 1, 2, 2, 20, 32), be);
        model.initialize(2);
        Path ck = dir.resolve("ck");
        Checkpoint.save(model, ck);
        Path outside = dir.resolve("evil.safetensors");
        Files.copy(ck.resolve("model.safetensors"), outside);
        var names = new StringBuilder();
        for (var p : model.parameterList()) names.append(names.isEmpty() ? "" : ",").append("\"").append(p.name()).append("\":\"%s\"");
        for (String target : new String[]{"../evil.safetensors", outside.toString(), "sub/../../evil.safetensors"}) {
            Files.writeString(ck.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + names.toString().replace("%s", target.replace("\\", "\\\\")) + "}}");
            var e = assertThrows(IOException.class, () -> Checkpoint.load(ck, be), target);
            assertTrue(e.getMessage().contains("outside the checkpoint folder"), e.getMessage());
        }
        Files.createSymbolicLink(ck.resolve("link.safetensors"), outside);
        Files.writeString(ck.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + names.toString().replace("%s", "link.safetensors") + "}}");
        var e = assertThrows(IOException.class, () -> Checkpoint.load(ck, be));
        assertTrue(e.getMessage().contains("outside the checkpoint folder"), e.getMessage());
        Files.writeString(ck.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + names.toString().replace("%s", "model.safetensors") + "}}");
        Checkpoint.load(ck, be); // inside: fine
    }
}
