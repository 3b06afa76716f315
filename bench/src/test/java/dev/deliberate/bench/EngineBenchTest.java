package dev.deliberate.bench;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/** Wiring only: the harness runs end to end on a toy shape and fills the table (no timing assertions). */
class EngineBenchTest {
    @Test
    void runsOnAToyShape() {
        var toy = new EngineBench.Shape("toy", 32, 64, 1, 2, 97, 4, 16, 2, 1, 100, 10);
        var log = new StringWriter();
        var results = EngineBench.run(toy, 1, new PrintWriter(log, true));
        assertEquals(3, results.size());
        for (var r : results) assertTrue(r.tokS() > 0 && r.gflops() > 0, r.toString());
        String table = EngineBench.table(results);
        assertTrue(table.contains("train") && table.contains("decode ×4") && table.contains("ratio"), table);
        assertTrue(log.toString().contains("toy train step 1 (warm-up)"), log.toString());
    }

    @Test
    void readsTheAnchorsJsonLinesAndNamesABadLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var good = dir.resolve("ref.jsonl");
        java.nio.file.Files.writeString(good, "some warning\n{\"what\": \"train\", \"shape\": \"toy\", \"tok_s\": 50.0}\n");
        var ref = EngineBench.readReference(good);
        assertEquals(50.0, ref.get("toy train"));
        var r = new EngineBench.Result("toy", "train", "1x4", 100, 1, 0, 1);
        var withRef = EngineBench.withReference(java.util.List.of(r), ref);
        assertEquals(2.0, withRef.getFirst().ratio(), 1e-9);
        String table = EngineBench.table(withRef, 10, good.toString(), "cpu");
        assertTrue(table.contains("10.0%") && table.contains("2.00×"), table);
        var bad = dir.resolve("bad.jsonl");
        java.nio.file.Files.writeString(bad, "{\"what\": \"train\", \"shape\": \"toy\"}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> EngineBench.readReference(bad));
        assertTrue(e.getMessage().contains(":1:") && e.getMessage().contains("tok_s"), e.getMessage());
    }

    @Test
    void fmaPeakIsPositive() {
        assertTrue(FmaPeak.measure(1) > 0);
    }
}
