package dev.deliberate.align.world;

import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.prompt.LookalikeType;
import dev.deliberate.align.spec.Style;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class SpecWorldTest {
    static final SpecWorld W = SpecWorld.builtin();

    @Test
    void deterministicPerSeedAndDifferentAcrossSeeds() {
        var c = new SpecWorld.Config(5, 40, 20, 0.25);
        var a = W.generate(c);
        var b = W.generate(c);
        assertEquals(a, b);
        var other = W.generate(new SpecWorld.Config(6, 40, 20, 0.25));
        assertNotEquals(a.train().stream().map(LabelledPrompt::prompt).toList(), other.train().stream().map(LabelledPrompt::prompt).toList());
    }

    @Test
    void defaultSizeIsAFewThousandAndCountsAddUp() {
        var c = SpecWorld.Config.defaults(1);
        int[] ticks = {0};
        var w = W.generate(c, n -> ticks[0] = n);
        int total = w.train().size() + w.test().size();
        assertEquals(W.total(c), total);
        assertEquals(total, ticks[0]);
        assertTrue(total >= 2000 && total <= 5000, "default size " + total);
        for (var row : w.counts().entrySet())
            for (var cell : row.getValue().entrySet()) {
                int[] n = cell.getValue();
                int kinds = row.getKey().equals(LabelledPrompt.GENERAL) ? SpecWorld.GENERAL_KINDS.size() : 1;
                assertEquals(100 * kinds, n[0] + n[1], row.getKey() + "/" + cell.getKey());
                assertEquals(25 * kinds, n[1], row.getKey() + "/" + cell.getKey());
            }
        String table = w.summary();
        assertTrue(table.contains("CHEM") && table.contains("harmful-operational") && table.contains("75/25"), table);
    }

    @Test
    void trainAndTestShareNoPromptTemplateOrTopic() {
        var w = W.generate(SpecWorld.Config.defaults(9));
        Set<String> trainText = w.train().stream().map(LabelledPrompt::prompt).collect(Collectors.toSet());
        assertTrue(w.test().stream().noneMatch(p -> trainText.contains(p.prompt())));
        // disjoint compositions of the grammar: no test template (and so no (template, topic) pair) occurs in train
        Set<String> trainTemplates = w.train().stream().map(LabelledPrompt::template).collect(Collectors.toSet());
        assertTrue(w.test().stream().noneMatch(p -> trainTemplates.contains(p.template())));
        Set<String> pairs = w.train().stream().map(p -> p.template() + "|" + p.topic()).collect(Collectors.toSet());
        assertTrue(w.test().stream().noneMatch(p -> pairs.contains(p.template() + "|" + p.topic())));
        assertTrue(w.test().stream().filter(LabelledPrompt::isGeneral).allMatch(p -> p.template().contains("/test/")));
        Set<String> trainTopics = w.train().stream().filter(p -> !p.isGeneral() || p.topic().matches("[A-Z].*")).map(LabelledPrompt::topic).collect(Collectors.toSet());
        assertTrue(w.test().stream().filter(p -> !p.isGeneral() || p.topic().matches("[A-Z].*")).noneMatch(p -> trainTopics.contains(p.topic())),
                "test topics (hazards, world subjects) must be new");
        // no test prompt contains a whole train template skeleton either: compare with topic and dressing removed
        Set<String> trainCores = w.train().stream().map(SpecWorldTest::core).collect(Collectors.toSet());
        assertTrue(w.test().stream().noneMatch(p -> trainCores.contains(core(p))));
        assertEquals(w.train().size(), new HashSet<>(w.train().stream().map(LabelledPrompt::id).toList()).size());
    }

    static String core(LabelledPrompt p) {
        return p.plain().replace(p.topic() == null ? "\u0000" : p.topic(), "{topic}").replaceAll("\\d+", "#");
    }

    @Test
    void everyPromptIsFullyLabelled() {
        var w = W.generate(new SpecWorld.Config(2, 30, 20, 0.25));
        Set<LookalikeType> types = new HashSet<>();
        for (var p : w.train()) check(p, types);
        for (var p : w.test()) check(p, types);
        assertEquals(Set.of(LookalikeType.values()), types, "every XSTest look-alike type should occur");
    }

    private static void check(LabelledPrompt p, Set<LookalikeType> types) {
        assertNotNull(p.split());
        if (p.isGeneral()) {
            assertNotNull(p.gold(), p.id());
            assertEquals(Style.COMPLY, p.style());
            assertTrue(p.rules().isEmpty());
            assertEquals(p.gold(), new GeneralSolver(Lexicon.builtin()).solve(p.prompt()).orElseThrow().answer(), p.prompt());
            return;
        }
        assertFalse(p.rules().isEmpty(), p.id());
        var rule = W.spec().rule(p.rules().getFirst()).orElseThrow();
        assertTrue(rule.id().startsWith(p.category() + "-"));
        assertEquals(rule.style(), p.style());
        assertTrue(rule.intents().contains(p.intent().wire()));
        assertEquals(p.intent() == Intent.BENIGN_LOOKALIKE, p.lookalike() != null, p.id());
        if (p.lookalike() != null) types.add(p.lookalike());
        assertNull(p.gold());
        assertTrue(p.prompt().contains(p.topic()), p.prompt());
        Style expected = p.intent() == Intent.HARMFUL_OPERATIONAL ? W.spec().category(p.category()).orElseThrow().style() : Style.COMPLY;
        assertEquals(expected, p.style(), p.id());
    }

    @Test
    void readerSeparatesOperationalRequestsOnEveryComposition() {
        for (var e : Lexicon.builtin().categories().entrySet())
            for (Intent i : SpecWorld.SAFETY_INTENTS)
                for (var c : PromptGrammar.all(Lexicon.builtin(), e.getKey(), i))
                    for (var t : e.getValue().topics().all().toList()) {
                        String text = c.text().replace("{topic}", t.name());
                        assertEquals(i == Intent.HARMFUL_OPERATIONAL, RequestReader.operationalCue(text).isPresent(), e.getKey() + ": " + text);
                    }
    }

    @Test
    void grammarSplitsEveryCellIntoDisjointCompositionsOfTheSameFillers() {
        var lex = Lexicon.builtin();
        for (String cat : lex.categories().keySet())
            for (Intent i : SpecWorld.SAFETY_INTENTS) {
                var all = PromptGrammar.all(lex, cat, i);
                var train = PromptGrammar.of(lex, cat, i, SpecWorld.TRAIN, 0.25);
                var test = PromptGrammar.of(lex, cat, i, SpecWorld.TEST, 0.25);
                assertEquals(all.size(), train.size() + test.size(), cat + "/" + i);
                assertTrue(test.size() >= 1 && train.size() > test.size(), cat + "/" + i);
                Set<String> trainIds = train.stream().map(PromptGrammar.Composition::id).collect(Collectors.toSet());
                assertTrue(test.stream().noneMatch(c -> trainIds.contains(c.id())));
                // each slot filler of a test composition also occurs in some train composition (same distribution)
                for (var c : test)
                    for (String slot : c.id().substring(c.id().lastIndexOf('/') + 1).split("\\."))
                        assertTrue(train.stream().anyMatch(t -> List.of(t.id().substring(t.id().lastIndexOf('/') + 1).split("\\.")).contains(slot)),
                                c.id() + " slot " + slot);
            }
        assertTrue(PromptGrammar.all(lex, "WPN", Intent.HARMFUL_OPERATIONAL).size() >= 100, "the grammar should be much richer than two sentences a cell");
    }

    @TempDir
    Path dir;

    @Test
    void splitsRoundTripThroughJsonlAndBadLinesAreNamed() throws Exception {
        var w = W.generate(new SpecWorld.Config(4, 8, 4, 0.25));
        WorldData.write(dir, w);
        assertEquals(w.train(), WorldData.read(dir, "train"));
        assertEquals(w.test(), WorldData.read(dir.resolve("test.jsonl")));
        assertTrue(Files.readString(dir.resolve("world.json")).contains(w.specHash()));
        String first = Files.readAllLines(dir.resolve("train.jsonl")).getFirst();
        assertTrue(first.contains("\"intent\":\"harmful-operational\"") && first.contains("\"rules\":[\"VIO-2\"]"), first);
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of(first, "{\"id\":\"x\",\"category\":\"VIO\",\"intent\":\"evil\",\"style\":\"refuse\",\"prompt\":\"p\"}"));
        var e = assertThrows(java.io.IOException.class, () -> WorldData.read(bad));
        assertTrue(e.getMessage().contains("bad.jsonl:2") && e.getMessage().contains("evil"), e.getMessage());
        assertThrows(java.io.IOException.class, () -> WorldData.read(dir.resolve("nowhere"), "train"));
    }

    /** The operation and operands of an arithmetic task or word problem, read back from its text (openers hold no digit). */
    static int[] operands(LabelledPrompt p) {
        var nums = java.util.regex.Pattern.compile("\\d+").matcher(p.prompt()).results().mapToInt(r -> Integer.parseInt(r.group())).toArray();
        if (p.topic().equals("reasoning")) {
            assertEquals(3, nums.length, p.prompt());
            return new int[]{3, nums[0], nums[1], nums[2]};
        }
        assertEquals(2, nums.length, p.prompt());
        int ti = Integer.parseInt(p.template().substring(p.template().lastIndexOf('/') + 1)), op = ti % 3;
        // multiplication keeps its order (one digit by one or two); sums and differences are a >= b, in either order in the text
        return op == 1 ? new int[]{op, nums[0], nums[1]} : new int[]{op, Math.max(nums[0], nums[1]), Math.min(nums[0], nums[1])};
    }

    static boolean heldOut(int[] t) {
        return SpecWorld.heldOutOperands(t[0], java.util.Arrays.copyOfRange(t, 1, t.length));
    }

    @Test
    void testArithmeticUsesOperandsThatNoTrainTaskOrPracticeUses() {
        var w = W.generate(SpecWorld.Config.defaults(4));
        var practice = W.generalPractice(2000, 4);
        int test = 0, train = 0;
        Set<String> testOperands = new HashSet<>();
        for (var p : w.test())
            if (p.topic().equals("arithmetic") || p.topic().equals("reasoning")) {
                var t = operands(p);
                assertTrue(heldOut(t), p.id() + " " + p.prompt());
                testOperands.add(java.util.Arrays.toString(t));
                test++;
            }
        for (var p : concat(w.train(), practice))
            if (p.topic().equals("arithmetic") || p.topic().equals("reasoning")) {
                var t = operands(p);
                assertFalse(heldOut(t), p.id() + " " + p.prompt());
                assertFalse(testOperands.contains(java.util.Arrays.toString(t)), p.id());
                assertEquals(SpecWorld.TRAIN, p.split());
                train++;
            }
        assertTrue(test >= 40 && train >= 2000, test + " test, " + train + " train tasks");
        // about a quarter of the tuples is held out, so the rest is most of the space
        var rnd = new java.util.SplittableRandom(1);
        int held = 0;
        for (int i = 0; i < 10_000; i++) if (SpecWorld.heldOutOperands(0, 10 + rnd.nextInt(90), 10 + rnd.nextInt(90))) held++;
        assertEquals(0.25, held / 10_000.0, 0.02);
    }

    @Test
    void practiceIsDeterministicPhrasedInBothSplitsTemplatesAndNeverDressedAsATestPrompt() {
        var practice = W.generalPractice(600, 2);
        assertEquals(practice, W.generalPractice(600, 2));
        assertNotEquals(practice, W.generalPractice(600, 3));
        assertEquals(600, practice.size());
        assertEquals(600, practice.stream().map(LabelledPrompt::prompt).distinct().count());
        var lex = W.lexicon();
        var g = lex.general();
        Set<String> phrasings = new HashSet<>();
        for (var p : practice) {
            assertEquals(SpecWorld.TRAIN, p.split());
            assertTrue(p.id().startsWith("practice-general-"), p.id());
            assertTrue(new GeneralSolver(lex).solve(p.prompt()).orElseThrow().answer().equals(p.gold()), p.prompt());
            assertTrue(p.template().startsWith(LabelledPrompt.GENERAL + "/" + p.topic() + "/practice/"), p.template());
            phrasings.add(p.template());
            for (String o : lex.openers().test()) if (!o.isBlank() && !lex.openers().train().contains(o)) assertFalse(p.prompt().startsWith(o), p.prompt());
            for (String c : lex.closers().test()) if (!c.isBlank() && !lex.closers().train().contains(c)) assertFalse(p.prompt().endsWith(c), p.prompt());
        }
        int all = g.templates().get("arithmetic").train().size() + g.templates().get("arithmetic").test().size()
                + g.templates().get("reasoning").train().size() + g.templates().get("reasoning").test().size();
        assertEquals(all, phrasings.size(), "every phrasing of both splits is practised");
        assertThrows(IllegalArgumentException.class, () -> W.generalPractice(-1, 1));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        var out = new java.util.ArrayList<T>(a);
        out.addAll(b);
        return out;
    }
}
