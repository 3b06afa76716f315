package dev.deliberate.cli;

import dev.deliberate.align.spec.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SpecCommandTest {
    @TempDir
    Path dir;

    @Test
    void showPrintsTheBuiltinSpecAndExcerpts() {
        var r = MainTest.run("spec", "show");
        assertEquals(0, r.code(), r.err());
        assertEquals(Spec.defaultSpec().render(), r.out());
        var ex = MainTest.run("spec", "show", "--category", "CYB");
        assertEquals(Spec.defaultSpec().excerpt("CYB"), ex.out());
        assertEquals(Spec.defaultSpec().hash() + "\n", MainTest.run("spec", "show", "--hash").out().replace("\r", ""));
        var bad = MainTest.run("spec", "show", "--category", "NOPE");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("no category 'NOPE'") && bad.err().contains("CHEM"), bad.err());
    }

    @Test
    void lintPassesTheDefaultAndFailsABrokenSpecWithLineNumbers() throws Exception {
        Path good = dir.resolve("good.md");
        Files.writeString(good, Spec.defaultMarkdown());
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"rules\":[\"CHEM-2\"]}\n");
        var ok = MainTest.run("spec", "lint", good.toString(), "--data", data.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("0 error(s)") && ok.out().contains("1 of 16 rules cited"), ok.out());
        assertTrue(ok.out().contains("rule [CYB-2] is never cited"), ok.out());

        Path bad = dir.resolve("bad.md");
        Files.writeString(bad, Spec.defaultMarkdown().replace("style: safe-complete", "style: gentle").replace("[HATE-2]", "[HATE-1]"));
        var r = MainTest.run("spec", "lint", bad.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*bad\\.md:\\d+: error: unknown style 'gentle'.*"), r.out());
        assertTrue(r.out().matches("(?s).*bad\\.md:\\d+: error: duplicate id 'HATE-1'.*"), r.out());

        Path empty = dir.resolve("empty.md");
        Files.writeString(empty, "");
        r = MainTest.run("spec", "lint", empty.toString());
        assertEquals(1, r.code(), "an empty spec does not pass: " + r.out() + r.err());
        assertTrue(r.out().contains("empty.md:1: error: the spec is empty"), r.out());

        Path latin1 = dir.resolve("latin1.md");
        Files.write(latin1, "## Chemicals\nid: CHEM\nsummary: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        r = MainTest.run("spec", "lint", latin1.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("latin1.md:3") && r.err().contains("0xE9") && r.err().contains("not valid UTF-8"), r.err());
        r = MainTest.run("spec", "show", "--file", latin1.toString());
        assertTrue(r.err().contains("latin1.md:3") && r.err().contains("not valid UTF-8"), r.err());

        var missing = MainTest.run("spec", "lint", dir.resolve("nope.md").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        var showBad = MainTest.run("spec", "show", "--file", bad.toString());
        assertEquals(2, showBad.code());
        assertTrue(showBad.err().contains("bad.md:"), showBad.err());
    }

    @Test
    void specWithoutSubcommandSaysWhatToDo() {
        var r = MainTest.run("spec");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("show") && r.err().contains("lint"), r.err());
    }
}
