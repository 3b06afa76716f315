package dev.deliberate.align.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SpecLintTest {
    @TempDir
    Path dir;

    @Test
    void defaultSpecIsClean() throws Exception {
        var r = SpecLint.lint(Spec.defaultMarkdown(), "default", null);
        assertEquals(java.util.List.of(), r.problems());
        assertFalse(r.hasErrors());
    }

    @Test
    void findsDuplicatesEmptySectionsUnknownStylesAndUncitedRules() throws Exception {
        String md = """
                # T

                ## General

                ### Hard refusal (refuse)

                Sorry, can't.

                ## Alpha

                id: A
                style: refuse

                ### Disallowed

                - [A-1] (harmful-operational) one
                - [A-2] two
                - [A-1] again

                ### Allowed

                ## Beta

                id: B
                style: loud

                ## Gamma

                id: C
                style: comply
                """;
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"rules\":[\"A-1\"]}\n{\"messages\":[{\"role\":\"assistant\",\"content\":\"per [A-1]\"}]}\n");
        var r = SpecLint.lint(md, "t.md", data);
        String all = r.problems().toString();
        assertTrue(r.hasErrors());
        assertTrue(all.contains("t.md:18: error: duplicate id 'A-1'"), all);
        assertTrue(all.contains("t.md:20: warning: empty section in category A"), all);
        assertTrue(all.contains("t.md:25: error: unknown style 'loud'"), all);
        assertTrue(all.contains("t.md:29: error: category C is empty"), all);
        assertTrue(all.contains("rule [A-2] is never cited"), all);
        assertFalse(all.contains("rule [A-1] is never cited"), all);
    }

    @Test
    void badDataLineIsNamed() throws Exception {
        Path data = dir.resolve("bad.jsonl");
        Files.writeString(data, "{\"ok\":1}\n{oops\n");
        var e = assertThrows(java.io.IOException.class, () -> SpecLint.lint(Spec.defaultMarkdown(), "d", data));
        assertTrue(e.getMessage().contains("bad.jsonl:2"), e.getMessage());
    }
}
