package dev.deliberate.align.eval.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Lines that hit the JSON parser's limits are reported as file:line, never as a NullPointerException. */
class HostileBenchmarkFileTest {
    @Test
    void aHugeLineAndDeepNestingNameTheFileAndLine(@TempDir Path tmp) throws Exception {
        Path huge = tmp.resolve("huge.jsonl");
        Files.writeString(huge, "{\"prompt\":\"ok\"}\n{\"prompt\":\"" + "x".repeat(20_000_100) + "\"}\n");
        var e = assertThrows(BenchmarkFormatException.class, () -> TabularBenchmark.records(huge));
        assertTrue(e.getMessage().startsWith(huge + ":2"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        Path deep = tmp.resolve("deep.jsonl");
        Files.writeString(deep, "{\"prompt\":" + "[".repeat(5000) + "]".repeat(5000) + "}\n");
        e = assertThrows(BenchmarkFormatException.class, () -> TabularBenchmark.records(deep));
        assertTrue(e.getMessage().startsWith(deep + ":1"), e.getMessage());
        assertFalse(e.getMessage().contains("NullPointer"), e.getMessage());
    }
}
