package dev.deliberate.engine.io;

import dev.deliberate.engine.backend.Bf16;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code name → {dtype, shape, data_offsets}} plus {@code __metadata__}), then the raw little-endian tensor bytes.
 * Files are read by memory-mapping them through FFM; F32, BF16 and F16 are widened to fp32 on read.
 *
 * <p>A file is checked as the format specifies before any tensor is read: no tensor name twice, every shape × dtype
 * size equal to its byte range, and the ranges contiguous and non-overlapping, covering the data section exactly (no
 * holes, no bytes shared by two tensors, nothing after the last), so that weights can never be silently read from the
 * wrong bytes. {@link Reader#firstNonFinite} finds NaN and infinities.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Headers: a tensor named twice is an error, not "the last one wins". */
    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public enum DType {
        F32(4), BF16(2), F16(2);
        public final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** Element sizes of the other safetensors dtypes: such tensors are checked and skipped, and rejected only if read. */
    private static final Map<String, Integer> OTHER_DTYPES = Map.ofEntries(Map.entry("F64", 8), Map.entry("I64", 8),
            Map.entry("U64", 8), Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("I16", 2), Map.entry("U16", 2),
            Map.entry("I8", 1), Map.entry("U8", 1), Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

    /**
     * One tensor's header entry; offsets are relative to the start of the data section.
     *
     * @param dtype the float type, or null for a dtype this engine does not read (see {@code dtypeName})
     */
    public record Entry(String name, DType dtype, String dtypeName, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    /** A tensor to write: its shape and fp32 values. */
    public record Tensor(long[] shape, float[] data) {}

    /** An open, memory-mapped safetensors file. Close it to unmap. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final Arena arena;
        private final MemorySegment data;
        private final Map<String, Entry> entries;
        private final Map<String, String> metadata;

        private Reader(Path file, Arena arena, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
            this.file = file;
            this.arena = arena;
            this.data = data;
            this.entries = entries;
            this.metadata = metadata;
        }

        public Path file() {
            return file;
        }

        public Map<String, Entry> entries() {
            return Collections.unmodifiableMap(entries);
        }

        public Map<String, String> metadata() {
            return Collections.unmodifiableMap(metadata);
        }

        public Entry entry(String name) throws IOException {
            Entry e = entries.get(name);
            if (e == null) throw new IOException(file + ": no tensor named '" + name + "'");
            return e;
        }

        /** Reads tensor {@code name} as fp32 into {@code dst} (which must hold exactly its elements). */
        public void read(String name, float[] dst) throws IOException {
            Entry e = entry(name);
            if (e.dtype() == null)
                throw new IOException(file + ": tensor '" + name + "' has dtype " + e.dtypeName()
                        + ", which cannot be read as floats (F32, BF16, F16)");
            if (e.elements() != dst.length)
                throw new IOException(file + ": tensor '" + name + "' has " + e.elements() + " elements "
                        + Arrays.toString(e.shape()) + ", expected " + dst.length);
            MemorySegment s = data.asSlice(e.begin(), e.end() - e.begin());
            switch (e.dtype()) {
                case F32 -> MemorySegment.copy(s, F32, 0, dst, 0, dst.length);
                case BF16 -> {
                    for (int i = 0; i < dst.length; i++)
                        dst[i] = Bf16.toFloat(s.getAtIndex(I16, i));
                }
                case F16 -> {
                    for (int i = 0; i < dst.length; i++) dst[i] = Float.float16ToFloat(s.getAtIndex(I16, i));
                }
            }
        }

        /**
         * The first NaN or infinite value of tensor {@code name} as "index i: NaN", or null when every value is finite
         * (integer tensors are finite by construction).
         */
        public String firstNonFinite(String name) throws IOException {
            Entry e = entry(name);
            if (e.dtype() == null) return null;
            float[] v = read(name);
            for (int i = 0; i < v.length; i++) if (!Float.isFinite(v[i])) return "index " + i + ": " + v[i];
            return null;
        }

        public float[] read(String name) throws IOException {
            float[] out = new float[Math.toIntExact(entry(name).elements())];
            read(name, out);
            return out;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    public static Reader open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new IOException(file + ": too short for a safetensors header (" + size + " bytes)");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000)
                throw new IOException(file + ": header length " + headerLen + " does not fit a file of " + size
                        + " bytes; not a safetensors file or truncated");
            byte[] hb = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header;
            try {
                header = STRICT_JSON.readTree(new String(hb, StandardCharsets.UTF_8));
            } catch (IOException e) {
                String why = e.getMessage().lines().findFirst().orElse("");
                throw new IOException(file + ": safetensors header is not valid JSON" + (why.startsWith("Duplicate field") ? " (a tensor is named twice)" : "") + ": " + why, e);
            }
            if (header == null || !header.isObject()) throw new IOException(file + ": safetensors header is not a JSON object");
            MemorySegment data = all.asSlice(8 + headerLen);
            var entries = new LinkedHashMap<String, Entry>();
            var metadata = new LinkedHashMap<String, String>();
            for (var it = header.properties().iterator(); it.hasNext(); ) {
                var field = it.next();
                String name = field.getKey();
                JsonNode v = field.getValue();
                if (name.equals("__metadata__")) {
                    if (v.isObject()) v.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(name, parseEntry(file, name, v, data.byteSize()));
            }
            checkLayout(file, entries, data.byteSize());
            return new Reader(file, arena, data, entries, metadata);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The byte ranges tile the data section: sorted by offset, each begins where the last ended, the last ends at its end. */
    static void checkLayout(Path file, Map<String, Entry> entries, long dataSize) throws IOException {
        var sorted = new java.util.ArrayList<>(entries.values());
        sorted.sort(java.util.Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin() < at)
                throw new IOException(file + ": tensor '" + e.name() + "' (bytes " + e.begin() + ".." + e.end() + ") overlaps tensor '" + prev.name()
                        + "' (bytes " + prev.begin() + ".." + prev.end() + "); each byte of the data section belongs to one tensor");
            if (e.begin() > at)
                throw new IOException(file + ": " + (e.begin() - at) + " bytes at " + at + ".." + e.begin() + " of the data section belong to no tensor"
                        + (prev == null ? " (before '" + e.name() + "')" : " (between '" + prev.name() + "' and '" + e.name() + "')") + "; the format allows no holes");
            at = e.end();
            prev = e;
        }
        if (at != dataSize)
            throw new IOException(file + ": the tensors cover " + at + " of the " + dataSize + " data bytes; " + (dataSize - at)
                    + " bytes after " + (prev == null ? "the header" : "'" + prev.name() + "'") + " belong to no tensor");
    }

    private static Entry parseEntry(Path file, String name, JsonNode v, long dataSize) throws IOException {
        String where = file + ": tensor '" + name + "'";
        if (!v.isObject()) throw new IOException(where + ": header entry is not an object");
        JsonNode dt = v.get("dtype"), shape = v.get("shape"), off = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new IOException(where + ": missing 'dtype'");
        DType dtype = null;
        int elementBytes;
        try {
            dtype = DType.valueOf(dt.asText());
            elementBytes = dtype.bytes;
        } catch (IllegalArgumentException e) {
            Integer other = OTHER_DTYPES.get(dt.asText());
            if (other == null) throw new IOException(where + ": dtype " + dt.asText() + " is not a safetensors dtype");
            elementBytes = other;
        }
        if (shape == null || !shape.isArray()) throw new IOException(where + ": missing 'shape'");
        long[] dims = new long[shape.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            if (!shape.get(i).isIntegralNumber() || shape.get(i).asLong() < 0)
                throw new IOException(where + ": shape " + shape + " is not a list of non-negative integers");
            if (!shape.get(i).canConvertToLong()) throw new IOException(where + ": shape " + shape + " has a dimension beyond 2^63");
            dims[i] = shape.get(i).asLong();
            try {
                elements = Math.multiplyExact(elements, dims[i]);
            } catch (ArithmeticException ex) {
                throw new IOException(where + ": shape " + shape + " has more elements than a file can hold");
            }
        }
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber())
            throw new IOException(where + ": 'data_offsets' must be [begin, end]");
        if (!off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) throw new IOException(where + ": data_offsets " + off + " are beyond 2^63");
        long b = off.get(0).asLong(), e = off.get(1).asLong();
        if (b < 0 || e < b) throw new IOException(where + ": data_offsets [" + b + ", " + e + "] are not ordered");
        if (e > dataSize)
            throw new IOException(where + ": data ends at byte " + e + " but the file holds only " + dataSize
                    + " data bytes; the file is truncated");
        long need;
        try {
            need = Math.multiplyExact(elements, elementBytes);
        } catch (ArithmeticException ex) {
            throw new IOException(where + ": shape " + Arrays.toString(dims) + " has more bytes than a file can hold");
        }
        if (e - b != need)
            throw new IOException(where + ": shape " + Arrays.toString(dims) + " of " + dt.asText() + " needs "
                    + elements * elementBytes + " bytes but data_offsets span " + (e - b));
        return new Entry(name, dtype, dt.asText(), dims, b, e);
    }

    /**
     * Writes {@code tensors} in the given order as F32 or BF16 (round to nearest even), with
     * {@code __metadata__ = {"format": "pt"}} so transformers loads it. Writes to a temporary name, then renames.
     */
    public static void write(Path file, Map<String, Tensor> tensors, DType dtype) throws IOException {
        if (dtype == DType.F16) throw new IllegalArgumentException("writing F16 is not supported; use F32 or BF16");
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long n = 1;
            for (long d : e.getValue().shape()) n *= d;
            if (n != e.getValue().data().length)
                throw new IllegalArgumentException("tensor '" + e.getKey() + "': shape " + Arrays.toString(e.getValue().shape())
                        + " does not match " + e.getValue().data().length + " values");
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.name());
            var s = t.putArray("shape");
            for (long d : e.getValue().shape()) s.add(d);
            long bytes = n * dtype.bytes;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] hb = JSON.writeValueAsBytes(header);
        int padded = (hb.length + 7) / 8 * 8; // keeps the data section 8-byte aligned, as the reference writer does
        byte[] h = Arrays.copyOf(hb, padded);
        Arrays.fill(h, hb.length, padded, (byte) ' ');

        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(h));
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (var t : tensors.values()) {
                for (float f : t.data()) {
                    if (buf.remaining() < 4) {
                        writeFully(ch, buf.flip());
                        buf.clear();
                    }
                    if (dtype == DType.F32) buf.putFloat(f);
                    else buf.putShort(Bf16.fromFloat(f));
                }
            }
            writeFully(ch, buf.flip());
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
