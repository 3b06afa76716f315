package dev.deliberate.engine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {
    @TempDir
    Path dir;

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    }

    IOException reject(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, bytes);
        return assertThrows(IOException.class, () -> {
            try (var r = Safetensors.open(f)) {
                for (String n : r.entries().keySet()) r.read(n);
            }
        });
    }

    @Test
    void writeThenReadIsBitExactAndCarriesPtMetadata() throws IOException {
        float[] a = {1.5f, -0f, Float.MIN_VALUE, 3.4e38f, (float) Math.PI, 1e-30f};
        var m = new LinkedHashMap<String, Safetensors.Tensor>();
        m.put("w", new Safetensors.Tensor(new long[]{2, 3}, a));
        m.put("b", new Safetensors.Tensor(new long[]{1}, new float[]{7}));
        Path f = dir.resolve("x.safetensors");
        Safetensors.write(f, m, Safetensors.DType.F32);
        try (var r = Safetensors.open(f)) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertArrayEquals(new long[]{2, 3}, r.entry("w").shape());
            float[] back = r.read("w");
            for (int i = 0; i < a.length; i++) assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(back[i]));
        }
        assertEquals(0, (Files.readAllBytes(f)[0] & 0xff) % 8, "header padded to 8 bytes");
    }

    @Test
    void bf16RoundsToNearestEvenAndF16Widens() throws IOException {
        var m = new LinkedHashMap<String, Safetensors.Tensor>();
        float[] v = {1f, 1.00390625f /* halfway between bf16 neighbours: rounds to even (1.0) */, 1.01171875f, -2.5f};
        m.put("t", new Safetensors.Tensor(new long[]{4}, v));
        Path f = dir.resolve("b.safetensors");
        Safetensors.write(f, m, Safetensors.DType.BF16);
        try (var r = Safetensors.open(f)) {
            assertEquals(Safetensors.DType.BF16, r.entry("t").dtype());
            assertArrayEquals(new float[]{1f, 1f, 1.015625f, -2.5f}, r.read("t"));
        }
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF
        byte[] bytes = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]}}", 6);
        ByteBuffer.wrap(bytes, bytes.length - 6, 6).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF);
        Path g = dir.resolve("h.safetensors");
        Files.write(g, bytes);
        try (var r = Safetensors.open(g)) {
            assertArrayEquals(new float[]{1f, -2f, 65504f}, r.read("h"));
        }
    }

    @Test
    void rejectsMalformedFilesNamingTheTensorOrFile() throws IOException {
        var e = reject(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("truncated"), e.getMessage());

        e = reject(file("{\"emb\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
        assertTrue(e.getMessage().contains("'emb'") && e.getMessage().contains("I64"), e.getMessage());

        e = reject(file("{\"emb\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8));
        assertTrue(e.getMessage().contains("'emb'") && e.getMessage().contains("Q4"), e.getMessage());

        e = reject(file("{\"q\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16));
        assertTrue(e.getMessage().contains("'q'") && e.getMessage().contains("[2, 3]"), e.getMessage());

        e = reject(file("{not json", 0));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("JSON"), e.getMessage());

        byte[] hugeHeader = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000).array();
        e = reject(hugeHeader);
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void readChecksElementCount() throws IOException {
        var m = new LinkedHashMap<String, Safetensors.Tensor>();
        m.put("w", new Safetensors.Tensor(new long[]{2}, new float[]{1, 2}));
        Path f = dir.resolve("c.safetensors");
        Safetensors.write(f, m, Safetensors.DType.F32);
        try (var r = Safetensors.open(f)) {
            var e = assertThrows(IOException.class, () -> r.read("w", new float[3]));
            assertTrue(e.getMessage().contains("'w'"));
            assertThrows(IOException.class, () -> r.read("nope"));
        }
        assertFalse(Arrays.stream(dir.toFile().list()).anyMatch(n -> n.endsWith(".tmp")), "no temp file left behind");
    }
}
