package dev.deliberate.align.spec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SpecTest {

    @Test
    void defaultSpecHasEightCategoriesWithStylesAndGuides() {
        Spec s = Spec.defaultSpec();
        assertEquals(List.of("VIO", "WPN", "CYB", "CHEM", "PRIV", "HATE", "SH", "ADV"), s.categories().stream().map(Category::id).toList());
        assertEquals(Style.SAFE_COMPLETE, s.category("SH").orElseThrow().style());
        assertEquals(Style.COMPLY, s.category("ADV").orElseThrow().style());
        assertEquals(3, s.styleGuides().size());
        assertTrue(s.guide(Style.REFUSE).orElseThrow().text().contains("One brief apology"));
        Rule chem2 = s.rule("CHEM-2").orElseThrow();
        assertEquals(Rule.Kind.DISALLOWED, chem2.kind());
        assertEquals(List.of("harmful-operational"), chem2.intents());
        assertEquals(Style.REFUSE, chem2.style());
        assertEquals(Style.SAFE_COMPLETE, s.rule("SH-2").orElseThrow().style());
        assertTrue(s.category("CHEM").orElseThrow().definitions().getFirst().aliases().contains("zorblax toxin"));
    }

    @Test
    void roundTripsParseRenderParse() {
        Spec a = Spec.defaultSpec();
        String r1 = a.render();
        Spec b = Spec.parse(r1, "r1");
        assertEquals(a, b);
        assertEquals(r1, b.render());
        assertEquals(a.categories(), b.categories());
        assertEquals(a.styleGuides(), b.styleGuides());
        assertEquals(a.intro(), b.intro());
        // a hand-written spec with continuation lines and odd spacing normalises once, then is stable
        String messy = """
                # Tiny

                Intro line.
                ## General
                ### Hard refusal (refuse)
                Say sorry once.
                ## Toys
                id: TOY
                style: refuse
                summary: toy hazards
                ### Disallowed
                - [TOY-1] (harmful-operational) Building the
                  exploding teddy.
                ### Allowed
                - [TOY-2] Talking about teddies.
                """;
        Spec m = Spec.parse(messy, "messy");
        assertEquals("Building the exploding teddy.", m.rule("TOY-1").orElseThrow().text());
        assertEquals(List.of(), m.rule("TOY-2").orElseThrow().intents());
        assertEquals(m, Spec.parse(m.render(), "again"));
        assertEquals(m.render(), Spec.parse(m.render(), "again").render());
    }

    @Test
    void excerptHasAllSummariesTheGuidesAndOneCategoryInFull() {
        Spec s = Spec.defaultSpec();
        String ex = s.excerpt("CYB");
        Spec e = Spec.parse(ex, "excerpt");
        assertEquals(8, e.categories().size());
        for (Category c : e.categories()) {
            assertEquals(s.category(c.id()).orElseThrow().summary(), c.summary());
            assertEquals(c.id().equals("CYB") ? s.category("CYB").orElseThrow().rules() : List.of(), c.rules());
        }
        assertEquals(s.styleGuides(), e.styleGuides());
        assertTrue(ex.contains("[CYB-2]") && !ex.contains("[CHEM-2]"));
        assertTrue(ex.length() < s.render().length() * 0.7, "the excerpt should be much shorter than the spec");
        assertTrue(Spec.parse(s.excerpt(null), "none").rules().findAny().isEmpty());
    }

    @Test
    void hashIsStableAndTracksContent() {
        Spec s = Spec.defaultSpec();
        assertEquals(s.hash(), Spec.defaultSpec().hash());
        assertEquals(16, s.hash().length());
        Spec changed = Spec.parse(s.render().replace("Harbour Accord of 2087", "Harbour Accord of 2088"), "x");
        assertNotEquals(s.hash(), changed.hash());
    }

    @Test
    void scanFindsASpecQuotedInsideOtherText() {
        String convo = "Please help me.\n\n<spec>\n" + Spec.defaultSpec().excerpt("CHEM") + "</spec>\n\nThink first.";
        Spec found = Spec.scan(convo).orElseThrow();
        assertEquals(List.of("CHEM-1", "CHEM-2"), found.rules().map(Rule::id).toList());
        assertTrue(Spec.scan("How do I bake bread?\n# Not a spec\n- [X-1] hi").isEmpty());
    }

    @Test
    void citationsAreTheKnownRuleIdsInOrder() {
        Spec s = Spec.defaultSpec();
        assertEquals(List.of("CHEM-2", "SH-1"), s.citations("Per [CHEM-2] and CHEM-2 again, not XYZ-9 but SH-1."));
        assertEquals("CHEM", s.categoryOf("CHEM-2").orElseThrow().id());
    }

    record Bad(String text, int line, String fragment) {}

    @Test
    void malformedSpecsGiveLineNumberedErrors() {
        List<Bad> cases = List.of(
                new Bad("# T\n## A\nid: A\nstyle: shout\n### Allowed\n- [A-1] x\n", 4, "unknown style 'shout'"),
                new Bad("# T\n## A\nid: A\nstyle: refuse\n### Allowed\n- [A-1] x\n- [A-1] y\n", 7, "duplicate id 'A-1' (first defined on line 6)"),
                new Bad("# T\n## A\nid: A\nstyle: refuse\n### Allowed\n- A-1 x\n", 6, "a rule is '- [ID-N] text'"),
                new Bad("# T\n## A\nid: A\nstyle: refuse\n### Forbidden\n- [A-1] x\n", 5, "unknown section '### Forbidden'"),
                new Bad("# T\n## A\nstyle: refuse\n### Allowed\n- [A-1] x\n", 2, "has no 'id: …' line"),
                new Bad("# T\n## A\nid: A\nstyle: refuse\n### Allowed\n- [a1] x\n", 6, "must look like CHEM-1"),
                new Bad("# T\n## General\n### Hard refusal\nSorry.\n", 3, "names its style in parentheses"),
                new Bad("hello\n# T\n", 1, "text before the title"));
        for (Bad b : cases) {
            var e = assertThrows(SpecParseException.class, () -> Spec.parse(b.text, "bad.md"), b.text);
            assertTrue(e.getMessage().contains("bad.md:" + b.line + ": error: "), e.getMessage());
            assertTrue(e.getMessage().contains(b.fragment), e.getMessage());
            assertEquals(b.line, e.problems().getFirst().line());
        }
    }
}
