package dev.deliberate.align.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonlAppenderTest {

    record Rec(String text, Map<String, Object> meta) {
        static Rec of(String key, String text) {
            return new Rec(text, Map.of("key", key));
        }
    }

    @Test
    void resumeDropsATornTailAndKeepsEveryCompleteRecord(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("out/data.jsonl");
        try (var a = JsonlAppender.open(f, "/meta/key")) {
            a.append(Rec.of("p1", "first\nwith a newline"));
            a.append(Rec.of("p2", "second"));
        }
        // a kill in the middle of the third record
        Files.writeString(f, "{\"text\":\"thi", StandardOpenOption.APPEND);
        try (var a = JsonlAppender.open(f, "/meta/key")) {
            assertEquals(12, a.droppedTornBytes());
            assertEquals(2, a.size());
            assertTrue(a.contains("p1") && a.contains("p2") && !a.contains("p3"));
            a.append(Rec.of("p3", "third"));
        }
        List<Rec> all = Jsonl.read(f, Rec.class);
        assertEquals(List.of("first\nwith a newline", "second", "third"), all.stream().map(Rec::text).toList());
    }

    @Test
    void duplicateKeysAreRefused(@TempDir Path dir) {
        try (var a = JsonlAppender.open(dir.resolve("d.jsonl"), "/meta/key")) {
            a.append(Rec.of("k", "x"));
            assertThrows(IllegalStateException.class, () -> a.append(Rec.of("k", "y")));
            assertThrows(IllegalArgumentException.class, () -> a.append(Map.of("text", "no key")));
        }
    }

    @Test
    void corruptionInTheMiddleIsReportedWithItsLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, "{\"meta\":{\"key\":\"a\"}}\n{not json}\n{\"meta\":{\"key\":\"b\"}}\n", StandardCharsets.UTF_8);
        var e = assertThrows(Jsonl.FormatException.class, () -> JsonlAppender.open(f, "/meta/key"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("d.jsonl:2"), e.getMessage());
        // nothing was changed on disk
        assertEquals(3, Files.readAllLines(f).size());
    }

    @Test
    void readNamesTheLineAndFieldOfABadRecord(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, "{\"text\":\"ok\",\"meta\":{}}\n\n{\"text\":[1],\"meta\":{}}\n");
        var e = assertThrows(Jsonl.FormatException.class, () -> Jsonl.read(f, Rec.class));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains(".text"), e.getMessage());
    }

    @Test
    void atomicWriteReplacesWholeFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a/config.json");
        AtomicFiles.writeString(f, "{\"v\":1}");
        AtomicFiles.writeString(f, "{\"v\":2}");
        assertEquals("{\"v\":2}", Files.readString(f));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)),
                "readable by others, like any file a command writes");
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temp files left behind");
        }
    }
}
