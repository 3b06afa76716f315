package dev.deliberate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The demo command's own part: options, stage lines, the printed table and times (the orchestration is DemoRunTest's). */
class DemoCommandTest {
    private static MainTest.Run run(String... args) {
        return MainTest.run(args);
    }

    @Test
    void unknownPresetIsAUserError(@TempDir Path tmp) {
        var r = run("demo", "--preset", "huge", "--out", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--preset") && r.err().contains("tiny or small"), r.err());
        assertFalse(Files.exists(tmp.resolve("demo.json")), "nothing written for a bad flag");
    }

    @Test
    void printsStagesTableTimesAndReportPath(@TempDir Path tmp) {
        Path out = tmp.resolve("demo");
        var r = run("demo", "--preset", "test", "--out", out.toString(), "--seed", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[1/11] Data"), r.out());
        assertTrue(r.out().contains("[11/11] Report"), r.out());
        for (String m : new String[]{"no-safety", "direct-sft", "direct-dpo", "deliberative", "saro"})
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(m + " ")), m + " has a table row:\n" + r.out());
        assertTrue(r.out().contains("ASR held-out") && r.out().contains("total ") && r.out().contains("report.html"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("report.html")));

        var again = run("demo", "--preset", "test", "--out", out.toString(), "--seed", "2");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("done before, skipped"), again.out());

        var other = run("demo", "--preset", "tiny", "--out", out.toString());
        assertEquals(2, other.code());
        assertTrue(other.err().contains("preset test"), other.err());
    }
}
