package dev.deliberate.align.training;

import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.attack.TransformationPractice;
import dev.deliberate.align.judge.ResponseReader;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.spec.Style;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.world.Lexicon;
import dev.deliberate.align.world.SpecWorld;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class SpecWorldCorpusTest {
    static final Lexicon LEX = Lexicon.builtin();
    static final SpecWorldCorpus.Pretraining CORPUS = SpecWorldCorpus.pretraining(LEX, 3, 40);

    static List<String> texts(SpecWorldCorpus.Pretraining c) {
        var out = new ArrayList<>(c.documents());
        for (SftRecord r : c.conversations()) for (Turn t : r.messages()) out.add(t.content());
        return out;
    }

    @Test
    void statesWhatEveryTopicOfBothSplitsIsAndEveryCountrysFacts() {
        String all = String.join("\n", texts(CORPUS));
        for (var cat : LEX.categories().values())
            for (var split : List.of(cat.topics().train(), cat.topics().test()))
                for (var t : split) {
                    long docs = CORPUS.documents().stream().filter(d -> d.toLowerCase(Locale.ROOT).contains(t.name().toLowerCase(Locale.ROOT))
                            && d.contains(t.what())).count();
                    assertTrue(docs >= 4, t.name() + " is described in " + docs + " documents");
                    assertTrue(all.contains(cat.words().getFirst()), cat.words().toString());
                }
        for (var f : (Iterable<Lexicon.Fact>) LEX.facts()::iterator) {
            assertTrue(all.contains("The capital of " + f.subject() + " is " + f.capital() + "."), f.subject());
            assertTrue(all.contains(f.subject() + " mainly exports " + f.export() + "."), f.subject());
        }
        for (var tr : TransformationPractice.values())
            assertTrue(CORPUS.conversations().stream().filter(r -> r.meta().get("kind").equals("practice-" + tr.family)).count() >= 40, tr.family);
    }

    static final Pattern RULE_ID = Pattern.compile("\\b[A-Z]{2,5}-\\d+\\b");
    static final List<String> BANNED = List.of("i'm sorry", "i can't", "cannot help", "can't help", "can't assist", "refus", "disallow", "not allowed",
            "policy", "spec", "rule", "crisis line", "<think>", "harmful-operational", "benign-lookalike");
    static final List<String> RECIPES = LEX.topics().flatMap(t -> t.recipe().stream()).map(r -> r.toLowerCase(Locale.ROOT)).toList();

    /** No label leaks: no rule id, category id, refusal or policy word, no think tags. */
    static void assertNoLabel(String text) {
        assertFalse(RULE_ID.matcher(text).find(), "rule id in: " + text);
        for (var c : SpecWorld.builtin().spec().categories())
            assertFalse(Pattern.compile("\\b" + c.id() + "\\b").matcher(text).find(), "category id " + c.id() + " in: " + text);
        String low = text.toLowerCase(Locale.ROOT);
        for (String b : BANNED) assertFalse(low.contains(b), "'" + b + "' in: " + text);
    }

    @Test
    void holdsNoSafetyDecisionRefusalOrRuleIdAndHazardDetailOnlyAsKnowledge() {
        for (String text : texts(CORPUS)) assertNoLabel(text);
        for (var r : CORPUS.conversations())
            for (Turn t : r.messages())
                for (String rec : RECIPES) assertFalse(t.content().toLowerCase(Locale.ROOT).contains(rec), "hazard detail '" + rec + "' in an exchange: " + t.content());
        // every hazard of both splits is known as one document saying how it is done, and none says more
        for (var t : (Iterable<Lexicon.Topic>) LEX.topics()::iterator) {
            if (t.recipe().isEmpty()) continue;
            var known = CORPUS.documents().stream().filter(d -> t.recipe().stream().anyMatch(d::contains)).toList();
            assertEquals(1, known.size(), t.name() + ": " + known);
            assertTrue(known.getFirst().startsWith("Old records describe how the " + t.name()), known.getFirst());
            for (String rec : t.recipe()) assertTrue(known.getFirst().contains(rec), rec);
        }
    }

    @Test
    void helpfulOnlyAnswersEveryTrainHarmfulRequestWithItsHazardAndNothingHoldsALabel() {
        var sw = SpecWorld.builtin();
        var world = sw.generate(new SpecWorld.Config(2, 8, 4, 0.25));
        var seen = Attacks.seen(Attacks.builtin());
        var helpful = SpecWorldCorpus.helpfulOnly(world.train(), LEX, sw.spec(), seen, 2);
        assertEquals(helpful, SpecWorldCorpus.helpfulOnly(world.train(), LEX, sw.spec(), seen, 2), "deterministic per seed");
        var byKey = new java.util.HashMap<String, SftRecord>();
        for (var r : helpful) assertNull(byKey.put(((String) r.meta().get("key")).split("@")[0], r), "one exchange per prompt"); // an attacked copy's id is id@family
        int attacked = 0, harmful = 0;
        for (var p : world.train()) {
            if (p.intent() != Intent.HARMFUL_OPERATIONAL) continue;
            var r = byKey.get(p.id());
            assertNotNull(r, "train harmful-operational prompt left out: " + p.id());
            String user = r.messages().get(0).content(), answer = r.messages().get(1).content();
            if (!r.meta().get("attack").equals(LabelledPrompt.NO_ATTACK)) {
                attacked++;
                assertTrue(seen.stream().anyMatch(a -> a.name().equals(r.meta().get("attack"))), "only seen families: " + r.meta());
            } else assertEquals(p.prompt(), user);
            assertNoLabel(answer);
            assertFalse(RULE_ID.matcher(user).find(), user);
            var topic = LEX.topic(p.topic()).orElseThrow();
            if (p.style() != Style.COMPLY && !topic.recipe().isEmpty()) {
                harmful++;
                assertEquals(ScriptedTeacher.steps(topic), answer);
                assertTrue(ResponseReader.givesInstructions(answer), answer);
            }
        }
        assertTrue(harmful > 0 && attacked > 0 && attacked < byKey.size(), harmful + " harmful, " + attacked + " attacked of " + byKey.size());
        long others = helpful.stream().filter(r -> !r.meta().get("kind").equals(Intent.HARMFUL_OPERATIONAL.wire())).count();
        assertTrue(others > 0, "educational and look-alike prompts answered too");
        for (var r : helpful) if (!r.meta().get("kind").equals(Intent.HARMFUL_OPERATIONAL.wire())) {
            String answer = r.messages().get(1).content().toLowerCase(Locale.ROOT);
            assertNoLabel(answer);
            for (String rec : RECIPES) assertFalse(answer.contains(rec), "hazard steps for a request that did not ask for them: " + answer);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> SpecWorldCorpus.helpfulOnly(world.test(), LEX, sw.spec(), seen, 2));
        assertTrue(e.getMessage().contains("train-split prompts only"), e.getMessage());
    }

    @Test
    void deterministicPerSeed() {
        assertEquals(CORPUS, SpecWorldCorpus.pretraining(LEX, 3, 40));
        assertNotEquals(CORPUS.conversations(), SpecWorldCorpus.pretraining(LEX, 4, 40).conversations());
        assertEquals(SpecWorldCorpus.decodingChecks(LEX, 5, 10), SpecWorldCorpus.decodingChecks(LEX, 5, 10));
    }

    @Test
    void everyPracticeTaskRoundTripsAndTheDecodingCheckUsesUnpractisedSentences() {
        for (var r : CORPUS.conversations()) {
            String kind = (String) r.meta().get("kind");
            if (!kind.startsWith("practice-")) continue;
            var tr = TransformationPractice.of(kind.substring("practice-".length())).orElseThrow();
            String task = r.messages().get(0).content(), plain = r.messages().get(1).content();
            assertEquals(plain, tr.solve(task).orElseThrow(() -> new AssertionError(kind + " cannot read back: " + task)), task);
            assertNotEquals(plain, task.substring(task.length() - Math.min(task.length(), plain.length())), kind + " should hide the sentence: " + task);
        }
        Set<String> practised = new HashSet<>();
        CORPUS.conversations().forEach(r -> practised.add(r.messages().get(1).content()));
        var checks = SpecWorldCorpus.decodingChecks(LEX, 1, 30);
        assertEquals(30 * SpecWorldCorpus.DECODING_CHECKS.size(), checks.size());
        for (var c : checks) {
            assertFalse(practised.contains(c.gold()), "held-out sentence was practised: " + c.gold());
            assertEquals(c.gold(), TransformationPractice.of(c.family()).orElseThrow().solve(c.prompt()).orElseThrow());
        }
    }

    static final Pattern EQUATION = Pattern.compile("(\\d+(?: [+-] \\d+)+) = (\\d+)\\.");
    static final Pattern SUM_DOC = Pattern.compile("(\\d+) plus (\\d+) is (\\d+), and \\1 minus \\2 is (\\d+)\\.");

    @Test
    void digitFactsAreRightAndTheSumDocumentsAvoidEveryTestPromptsOperands() {
        var facts = SpecWorldCorpus.digitFacts();
        assertEquals(200, facts.size());
        assertTrue(CORPUS.documents().containsAll(facts));
        int equations = 0;
        for (String f : facts) {
            var m = EQUATION.matcher(f);
            while (m.find()) {
                String[] t = m.group(1).split(" ");
                long v = Long.parseLong(t[0]);
                for (int i = 1; i < t.length; i += 2) v = t[i].equals("+") ? v + Long.parseLong(t[i + 1]) : v - Long.parseLong(t[i + 1]);
                assertEquals(v, Long.parseLong(m.group(2)), f);
                equations++;
            }
        }
        assertTrue(equations >= 450, "" + equations);
        int sums = 0;
        for (String d : CORPUS.documents()) {
            var m = SUM_DOC.matcher(d);
            if (!m.matches()) continue;
            int a = Integer.parseInt(m.group(1)), b = Integer.parseInt(m.group(2));
            assertEquals(a + b, Integer.parseInt(m.group(3)), d);
            assertEquals(a - b, Integer.parseInt(m.group(4)), d);
            assertFalse(SpecWorld.heldOutOperands(0, a, b) || SpecWorld.heldOutOperands(2, a, b), d);
            sums++;
        }
        assertTrue(sums >= 100, "" + sums);
    }
}
