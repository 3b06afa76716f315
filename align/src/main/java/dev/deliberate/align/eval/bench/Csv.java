package dev.deliberate.align.eval.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 4180 CSV reader: fields separated by commas, records by CRLF or LF, fields optionally enclosed in double
 * quotes, a doubled quote inside quotes is one quote, and quoted fields may hold commas and line breaks (StrongREJECT
 * has one such prompt, and its file uses CRLF). Line breaks inside quoted fields are kept verbatim except that a CRLF
 * is read as LF, as Python's csv module does in universal-newline mode. A leading UTF-8 BOM is skipped.
 */
public final class Csv {

    private Csv() {}

    /** One record: its 1-based starting line in the file and its fields, in order. */
    public record Row(long line, List<String> fields) {
        public Row {
            fields = List.copyOf(fields);
        }
    }

    /** A file's header and records, each record as wide as the header. */
    public record Table(Path file, List<String> header, List<Row> rows) {
        public Table {
            header = List.copyOf(header);
            rows = List.copyOf(rows);
        }

        /** The 0-based position of a header column, or an error listing the columns there are. */
        public int column(String name) {
            int i = header.indexOf(name);
            if (i < 0) {
                throw new BenchmarkFormatException(file, 1, name,
                        "no column named '" + name + "'; the header has " + header);
            }
            return i;
        }

        /** A record as a map from header name to value, in header order. */
        public Map<String, String> asMap(Row row) {
            var m = new LinkedHashMap<String, String>();
            for (int i = 0; i < header.size(); i++) m.put(header.get(i), row.fields().get(i));
            return m;
        }
    }

    /** Reads a UTF-8 CSV with a header row; every record must have exactly as many fields as the header. */
    public static Table readTable(Path file) {
        List<Row> all = parse(file, read(file));
        if (all.isEmpty()) throw new BenchmarkFormatException(file, 1, null, "the file is empty; expected a header row");
        List<String> header = all.getFirst().fields();
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).isBlank()) {
                throw new BenchmarkFormatException(file, 1, "#" + (i + 1), "empty column name in the header");
            }
        }
        var rows = all.subList(1, all.size());
        for (Row r : rows) {
            if (r.fields().size() != header.size()) {
                throw new BenchmarkFormatException(file, r.line(), "#" + (Math.min(r.fields().size(), header.size()) + 1),
                        "record has " + r.fields().size() + " fields but the header has " + header.size()
                                + " " + header + "; quote fields that contain commas");
            }
        }
        return new Table(file, header, rows);
    }

    /** Parses CSV text into records; {@code file} only names the source in errors. Blank lines between records are skipped. */
    public static List<Row> parse(Path file, String text) {
        var rows = new ArrayList<Row>();
        var fields = new ArrayList<String>();
        var field = new StringBuilder();
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        final int n = text.length();
        long line = 1, recordLine = 1;
        boolean quoted = false, afterQuote = false, fieldStarted = false;
        long quoteLine = 0;
        int column = 1;
        while (i < n) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                    afterQuote = true;
                } else if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    field.append('\n');
                    line++;
                    i += 2;
                    continue;
                } else {
                    if (c == '\n') line++;
                    field.append(c);
                }
                i++;
                continue;
            }
            if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                afterQuote = false;
                fieldStarted = true;
                column++;
                i++;
            } else if (c == '\n' || c == '\r') {
                int len = c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n' ? 2 : 1;
                if (fieldStarted || !field.isEmpty() || afterQuote) {
                    fields.add(field.toString());
                    rows.add(new Row(recordLine, fields));
                }
                fields = new ArrayList<>();
                field.setLength(0);
                afterQuote = false;
                fieldStarted = false;
                column = 1;
                line++;
                recordLine = line;
                i += len;
            } else if (afterQuote) {
                throw new BenchmarkFormatException(file, line, "#" + column,
                        "unexpected character '" + c + "' after a closing quote; a quote inside a quoted field must be doubled (\"\")");
            } else if (c == '"') {
                if (!field.isEmpty()) {
                    throw new BenchmarkFormatException(file, line, "#" + column,
                            "a quote in the middle of an unquoted field; enclose the field in quotes and double the inner quote");
                }
                quoted = true;
                quoteLine = line;
                fieldStarted = true;
                i++;
            } else {
                field.append(c);
                fieldStarted = true;
                i++;
            }
        }
        if (quoted) {
            throw new BenchmarkFormatException(file, quoteLine, "#" + column,
                    "a quoted field is never closed (runs to the end of the file); add the closing quote");
        }
        if (fieldStarted || !field.isEmpty() || afterQuote) {
            fields.add(field.toString());
            rows.add(new Row(recordLine, fields));
        }
        return rows;
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new BenchmarkFormatException(file, 1, null, "not valid UTF-8; re-save the file as UTF-8");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read benchmark file " + file + ": " + e.getMessage(), e);
        }
    }
}
