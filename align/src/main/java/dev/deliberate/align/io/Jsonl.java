package dev.deliberate.align.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSON Lines (one UTF-8 JSON value a line): reading with errors that name the file and line. */
public final class Jsonl {
    /** The one mapper for our data files: compact lines, unknown fields are an error. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Jsonl() {}

    /** A malformed line: the message names file and line and what was wrong. */
    public static final class FormatException extends RuntimeException {
        private final Path file;
        private final int line;

        public FormatException(Path file, int line, String problem) {
            super(file + ":" + line + ": " + problem);
            this.file = file;
            this.line = line;
        }

        public Path file() {
            return file;
        }

        public int line() {
            return line;
        }
    }

    /** Every non-blank line as a JSON tree. */
    public static List<JsonNode> readTrees(Path file) {
        List<JsonNode> out = new ArrayList<>();
        forEachLine(file, (line, text) -> out.add(parse(file, line, text)));
        return out;
    }

    /** Every non-blank line bound to {@code type}; a line that does not fit is reported with its number and field. */
    public static <T> List<T> read(Path file, Class<T> type) {
        List<T> out = new ArrayList<>();
        forEachLine(file, (line, text) -> {
            JsonNode node = parse(file, line, text);
            try {
                out.add(MAPPER.treeToValue(node, type));
            } catch (JsonProcessingException e) {
                throw new FormatException(file, line, "not a valid " + type.getSimpleName() + " record: " + e.getOriginalMessage()
                        + pathOf(e));
            }
        });
        return out;
    }

    /** Writes {@code records} one a line, replacing {@code file} whole (temp file, then rename). */
    public static void write(Path file, Iterable<?> records) {
        AtomicFiles.write(file, out -> {
            var w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8);
            for (Object r : records) {
                w.write(line(r));
                w.write('\n');
            }
            w.flush();
        });
    }

    /** One line as compact JSON, without the newline. */
    public static String line(Object record) {
        try {
            return MAPPER.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + record.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static JsonNode parse(Path file, int line, String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new FormatException(file, line, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static String pathOf(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder sb = new StringBuilder(" (at ");
            for (var ref : m.getPath()) {
                if (ref.getFieldName() != null) sb.append('.').append(ref.getFieldName());
                else sb.append('[').append(ref.getIndex()).append(']');
            }
            return sb.append(')').toString();
        }
        return "";
    }

    @FunctionalInterface
    interface LineConsumer {
        void accept(int lineNumber, String text);
    }

    static void forEachLine(Path file, LineConsumer consumer) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int n = 0;
            while ((text = r.readLine()) != null) {
                n++;
                if (n == 1 && text.startsWith("\uFEFF")) text = text.substring(1); // a byte-order mark, as some editors write
                if (!text.isBlank()) consumer.accept(n, text);
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UncheckedIOException(file + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
