package dev.deliberate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class BenchServerCommandTest {
    @Test
    void reportsEveryCellAndTheSpeedUp() {
        var r = MainTest.run("bench", "server", "--clients", "1,4", "--repeats", "1", "--requests-per-client", "2", "--max-tokens", "4", "--step-ms", "2");
        assertEquals(0, r.code(), r.err());
        var rows = r.out().lines().filter(l -> l.matches("(sequential|batched|continuous) +\\d+ +\\d+ .*")).toList();
        assertEquals(6, rows.size(), r.out());
        assertTrue(rows.getFirst().matches("sequential +1 +2 .*"), rows.getFirst());
        assertEquals(4, r.out().lines().filter(l -> l.matches(" *\\d+ clients: (batched|continuous) .* = x\\d+\\.\\d\\d")).count(), r.out());
    }

    @Test
    void benchesALocalCheckpointWithContinuousBatching(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        dev.deliberate.engine.io.TinyCheckpoint.write(tmp, 2);
        dev.deliberate.align.Models.installDefaults(); // as Main does
        var r = MainTest.run("bench", "server", "--model", tmp.toString(), "--clients", "1,2", "--repeats", "1", "--requests-per-client", "1",
                "--max-tokens", "4", "--max-batch", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("model " + tmp.toAbsolutePath().normalize()), r.out());
        var rows = r.out().lines().filter(l -> l.matches("(sequential|batched|continuous) +\\d+ +\\d+ .*")).toList();
        assertEquals(6, rows.size(), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(" *2 clients: continuous .* = x\\d+\\.\\d\\d")), r.out());
    }

    @Test
    void rejectsNonsense() {
        var r = MainTest.run("bench", "server", "--clients", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("must all be >= 1"), r.err());
    }
}
