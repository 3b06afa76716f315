package dev.deliberate.bench;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/** Wiring only: the harness runs end to end on a toy shape and fills the table (no timing assertions). */
class EngineBenchTest {
    @Test
    void runsOnAToyShape() {
        var toy = new EngineBench.Shape("toy", 32, 64, 1, 2, 97, 4, 16, 2, 100, 10);
        var log = new StringWriter();
        var results = EngineBench.run(toy, 1, new PrintWriter(log, true));
        assertEquals(3, results.size());
        for (var r : results) assertTrue(r.tokS() > 0 && r.gflops() > 0, r.toString());
        String table = EngineBench.table(results);
        assertTrue(table.contains("train") && table.contains("decode ×4") && table.contains("ratio"), table);
        assertTrue(log.toString().contains("toy train step 1"), log.toString());
    }
}
