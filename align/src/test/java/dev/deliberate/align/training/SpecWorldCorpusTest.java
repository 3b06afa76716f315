package dev.deliberate.align.training;

import dev.deliberate.align.attack.TransformationPractice;
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

    @Test
    void holdsNoSafetyDecisionRefusalRuleIdOrHazardDetail() {
        var spec = SpecWorld.builtin().spec();
        Pattern ruleId = Pattern.compile("\\b[A-Z]{2,5}-\\d+\\b");
        Set<String> catIds = new HashSet<>();
        spec.categories().forEach(c -> catIds.add(c.id()));
        List<String> banned = List.of("i'm sorry", "i can't", "cannot help", "can't help", "can't assist", "refus", "disallow", "not allowed",
                "policy", "spec", "rule", "crisis line", "<think>", "harmful-operational", "benign-lookalike");
        List<String> recipes = LEX.topics().flatMap(t -> t.recipe().stream()).map(r -> r.toLowerCase(Locale.ROOT)).toList();
        for (String text : texts(CORPUS)) {
            assertFalse(ruleId.matcher(text).find(), "rule id in: " + text);
            for (String id : catIds) assertFalse(Pattern.compile("\\b" + id + "\\b").matcher(text).find(), "category id " + id + " in: " + text);
            String low = text.toLowerCase(Locale.ROOT);
            for (String b : banned) assertFalse(low.contains(b), "'" + b + "' in: " + text);
            for (String r : recipes) assertFalse(low.contains(r), "hazard detail '" + r + "' in: " + text);
        }
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
}
