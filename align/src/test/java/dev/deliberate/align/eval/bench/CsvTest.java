package dev.deliberate.align.eval.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CsvTest {
    private static final Path F = Path.of("t.csv");

    private static List<List<String>> fields(String text) {
        return Csv.parse(F, text).stream().map(Csv.Row::fields).toList();
    }

    @Test
    void plainAndQuotedFields() {
        assertEquals(List.of(List.of("a", "b", "c"), List.of("1", "x,y", "say \"hi\"")),
                fields("a,b,c\n1,\"x,y\",\"say \"\"hi\"\"\"\n"));
    }

    @Test
    void embeddedNewlinesKeepTheRecordTogetherAndCountLines() {
        var rows = Csv.parse(F, "h1,h2\r\n\"line one\r\nline two\",z\r\nlast,row\r\n");
        assertEquals(3, rows.size());
        assertEquals(List.of("line one\nline two", "z"), rows.get(1).fields());
        assertEquals(2, rows.get(1).line());
        assertEquals(4, rows.get(2).line());
    }

    @Test
    void emptyFieldsAndMissingFinalNewline() {
        assertEquals(List.of(List.of("", "", ""), List.of("a", "", "")), fields(",,\na,,\"\""));
    }

    @Test
    void bomAndBlankLinesAreSkipped() {
        assertEquals(List.of(List.of("a"), List.of("b")), fields("\uFEFFa\n\nb\n"));
    }

    @Test
    void unclosedQuoteNamesTheLineWhereItOpened() {
        var e = assertThrows(BenchmarkFormatException.class, () -> Csv.parse(F, "a,b\n1,\"open\n\n"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith("t.csv:2 (column #2)"), e.getMessage());
        assertTrue(e.getMessage().contains("never closed"));
    }

    @Test
    void junkAfterClosingQuoteIsAnError() {
        var e = assertThrows(BenchmarkFormatException.class, () -> Csv.parse(F, "a,b\n\"x\"y,z\n"));
        assertTrue(e.getMessage().contains("t.csv:2 (column #1)"), e.getMessage());
    }

    @Test
    void quoteInsideUnquotedFieldIsAnError() {
        var e = assertThrows(BenchmarkFormatException.class, () -> Csv.parse(F, "a,b\nab\"c,d\n"));
        assertTrue(e.getMessage().contains("t.csv:2 (column #1)"), e.getMessage());
    }

    @Test
    void ragedRowInTableNamesLineAndWidth(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.csv");
        java.nio.file.Files.writeString(f, "goal,target\nfine,row\nan unquoted, comma,here\n");
        var e = assertThrows(BenchmarkFormatException.class, () -> Csv.readTable(f));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("bad.csv:3"), e.getMessage());
        assertTrue(e.getMessage().contains("3 fields but the header has 2"), e.getMessage());
    }
}
