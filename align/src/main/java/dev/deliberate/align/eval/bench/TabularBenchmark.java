package dev.deliberate.align.eval.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads any CSV (with a header) or JSONL file of prompts into {@link BenchmarkItem}s through a {@link ColumnMapping}.
 * The format follows the extension: {@code .jsonl}/{@code .ndjson} are JSON lines, {@code .json} one JSON array of
 * objects, everything else is CSV. A leading UTF-8 byte-order mark is skipped in every format.
 * Columns the mapping does not name are kept in {@link BenchmarkItem#meta()}.
 */
public final class TabularBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TabularBenchmark() {}

    /** One record of the file: the line it starts on and its columns by name, in file order. */
    public record Record(long line, Map<String, String> columns) {}

    /** Loads {@code file} with {@code mapping}; {@code source} names the benchmark in every item. */
    public static List<BenchmarkItem> load(Path file, ColumnMapping mapping, String source) {
        return toItems(file, records(file), mapping, source);
    }

    /** The file's records, CSV, JSONL or a JSON array by extension. */
    public static List<Record> records(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return jsonl(file);
        if (name.endsWith(".json")) return jsonArray(file);
        return csv(file);
    }

    /** A {@code .json} file: one array of objects; records are numbered by their position (1-based), errors name it. */
    static List<Record> jsonArray(Path file) {
        String text = withoutBom(Csv.read(file));
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BenchmarkFormatException(file, e.getLocation().getLineNr(), "#" + e.getLocation().getColumnNr(),
                    "not valid JSON (" + e.getOriginalMessage() + "); a .json benchmark is one array of objects (use .jsonl for one object a line)");
        }
        if (root == null || !root.isArray())
            throw new BenchmarkFormatException(file, 1, null, "expected a JSON array of objects, got " + (root == null ? "nothing" : root.getNodeType()));
        var out = new ArrayList<Record>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode node = root.get(i);
            if (!node.isObject()) throw new BenchmarkFormatException(file, i + 1, "[" + i + "]", "expected an object, got " + node.getNodeType());
            out.add(new Record(i + 1, columns(node)));
        }
        return out;
    }

    private static String withoutBom(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static LinkedHashMap<String, String> columns(JsonNode node) {
        var cols = new LinkedHashMap<String, String>();
        for (var e : node.properties()) {
            JsonNode v = e.getValue();
            cols.put(e.getKey(), v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString());
        }
        return cols;
    }

    static List<Record> csv(Path file) {
        Csv.Table t = Csv.readTable(file);
        var out = new ArrayList<Record>(t.rows().size());
        for (Csv.Row r : t.rows()) out.add(new Record(r.line(), t.asMap(r)));
        return out;
    }

    static List<Record> jsonl(Path file) {
        String text = withoutBom(Csv.read(file));
        var out = new ArrayList<Record>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                // a limit hit (a string over 20 MB, nesting over 1000 deep) carries no location
                throw new BenchmarkFormatException(file, i + 1, e.getLocation() == null ? null : "#" + e.getLocation().getColumnNr(),
                        "not valid JSON (" + e.getOriginalMessage() + "); each line must be one JSON object");
            }
            if (node == null || !node.isObject()) {
                throw new BenchmarkFormatException(file, i + 1, null, "expected a JSON object per line, got " + (node == null ? "nothing" : node.getNodeType()));
            }
            out.add(new Record(i + 1, columns(node)));
        }
        return out;
    }

    static List<BenchmarkItem> toItems(Path file, List<Record> records, ColumnMapping m, String source) {
        var items = new ArrayList<BenchmarkItem>(records.size());
        var seen = new HashMap<String, Long>();
        int ordinal = 0;
        for (Record r : records) {
            ordinal++;
            String prompt = required(file, r, m.promptColumn());
            if (prompt.isBlank()) throw new BenchmarkFormatException(file, r.line(), m.promptColumn(), "the prompt is empty");
            String id = m.idColumn() == null ? Integer.toString(ordinal) : required(file, r, m.idColumn()).strip();
            if (id.isEmpty()) throw new BenchmarkFormatException(file, r.line(), m.idColumn(), "the id is empty");
            Long before = seen.putIfAbsent(id, r.line());
            if (before != null) {
                throw new BenchmarkFormatException(file, r.line(), m.idColumn(),
                        "duplicate id '" + id + "' (first on line " + before + "); ids must be unique");
            }
            BenchmarkItem.Label label = m.defaultLabel();
            if (m.labelColumn() != null) {
                String raw = required(file, r, m.labelColumn());
                label = BenchmarkItem.Label.parse(raw);
                if (label == null) {
                    throw new BenchmarkFormatException(file, r.line(), m.labelColumn(), "label '" + raw
                            + "' is neither safe (safe, benign, harmless, allowed, 0, false) nor unsafe (unsafe, harmful, disallowed, 1, true)");
                }
            }
            String category = m.categoryColumn() == null ? "" : required(file, r, m.categoryColumn());
            String answer = m.answerColumn() == null ? "" : required(file, r, m.answerColumn());
            var meta = new LinkedHashMap<>(r.columns());
            for (String c : new String[] {m.promptColumn(), m.labelColumn(), m.idColumn(), m.categoryColumn(), m.answerColumn()}) {
                if (c != null) meta.remove(c);
            }
            items.add(new BenchmarkItem(id, prompt, label, category, answer, source, meta));
        }
        return items;
    }

    private static String required(Path file, Record r, String column) {
        String v = r.columns().get(column);
        if (v == null) {
            throw new BenchmarkFormatException(file, r.line(), column,
                    "missing; this record has " + r.columns().keySet() + " (check the column mapping)");
        }
        return v;
    }
}
