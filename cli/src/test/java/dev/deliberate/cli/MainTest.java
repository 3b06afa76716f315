package dev.deliberate.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

class MainTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryCommandGroup() {
        Run r = run("--help");
        assertEquals(0, r.code);
        for (String group : new String[]{"demo", "world", "generate", "train", "eval", "report", "serve", "spec", "bench", "tokenize"}) {
            assertTrue(r.out.contains("  " + group + " "), "help should list '" + group + "':\n" + r.out);
        }
    }

    @Test
    void versionPrintsTheProjectVersion() {
        Run r = run("--version");
        assertEquals(0, r.code);
        assertTrue(r.out.startsWith("deliberate " + Version.number()), r.out);
        assertFalse(Version.number().contains("${"), "version must be filtered by Maven, got " + Version.number());
    }

    @Test
    void unknownCommandFailsWithAHelpfulMessage() {
        Run r = run("trian");
        assertNotEquals(0, r.code);
        assertTrue(r.err.contains("Unmatched argument") || r.err.contains("Unknown"), r.err);
        assertTrue(r.err.contains("train"), "should suggest the closest command:\n" + r.err);
    }

    @Test
    void noCommandFailsAndShowsUsage() {
        Run r = run();
        assertNotEquals(0, r.code);
        assertTrue(r.err.contains("Missing command"), r.err);
        assertTrue(r.err.contains("Usage: deliberate"), r.err);
    }

    @Test
    void unknownOptionFails() {
        Run r = run("--frobnicate");
        assertNotEquals(0, r.code);
        assertTrue(r.err.contains("--frobnicate"), r.err);
    }
}
