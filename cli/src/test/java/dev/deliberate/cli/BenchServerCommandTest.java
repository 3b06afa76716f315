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
    void rejectsNonsense() {
        var r = MainTest.run("bench", "server", "--clients", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("must all be >= 1"), r.err());
    }
}
