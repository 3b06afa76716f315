package dev.deliberate.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(120)
class ReportCommandTest {

    @BeforeAll
    static void models() {
        dev.deliberate.align.Models.installDefaults();
    }

    @Test
    void reportsOnTheFoldersEvalWrote(@TempDir Path tmp) throws Exception {
        for (String[] run : new String[][] {{"clean", "world:teacher"}, {"erring", "world:teacher?error=0.4"}}) {
            var r = MainTest.run("eval", "--model", run[1], "--bench", "specworld-test", "--limit", "24", "--attacks", "none,seen,held-out",
                    "--spec-in-context", "excerpt", "--bootstrap", "100", "--out", tmp.resolve("demo/" + run[0]).toString());
            assertEquals(0, r.code(), r.err());
        }
        var r = MainTest.run("report", tmp.resolve("demo").toString());
        assertEquals(0, r.code(), r.err());
        Path page = tmp.resolve("demo/report.html");
        assertTrue(r.out().contains("report over 2 run folder(s)") && r.out().contains(page.toString()), r.out());
        assertTrue(r.out().contains("training curves: no metrics.jsonl"), "missing pieces are listed: " + r.out());
        String html = Files.readString(page);
        assertTrue(html.contains("<td>clean</td>") && html.contains("<td>erring</td>"));
        assertTrue(html.contains("specworld-test: ASR per attack family"));

        var bad = MainTest.run("report", tmp.resolve("nope").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("is not a folder"), bad.err());
    }
}
