package dev.deliberate.align.saro;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.deliberative.GenerationFixtures;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.judge.Decision;
import dev.deliberate.align.judge.Visibility;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.world.Course;
import dev.deliberate.align.world.Deliberation;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.engine.tokenizer.Reasoning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.deliberate.align.deliberative.GenerationFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class PreferenceDataGeneratorTest {
    static final Spec SPEC = Spec.defaultSpec();
    static final WorldJudge JUDGE = WorldJudge.builtin();

    static PreferenceDataGenerator.Config config() {
        return new PreferenceDataGenerator.Config(new GenerationConfig(new SpecContextSampler.Settings(8, 1, 1.0, 2048), 0.9, 4, 1), true, true, 0.25, 0.2);
    }

    static List<PreferenceRecord> pairs(Path out) {
        var all = new ArrayList<PreferenceRecord>();
        for (String f : List.of(PreferenceDataGenerator.TRAIN, PreferenceDataGenerator.VAL))
            if (Files.exists(out.resolve(f))) all.addAll(Jsonl.read(out.resolve(f), PreferenceRecord.class));
        return all;
    }

    static Completion completion(PreferenceRecord r, boolean chosen) {
        var s = Reasoning.split((chosen ? r.chosen() : r.rejected()).getFirst().content());
        return new Completion(s.reasoning(), s.answer(), "stop", null);
    }

    static Map<String, LabelledPrompt> byId(List<LabelledPrompt> ps) {
        var m = new HashMap<String, LabelledPrompt>();
        for (var p : ps) m.put(p.id(), p);
        return m;
    }

    @Test
    void outputLevelChosenIsAcceptedAndRejectedIsUnsafeOrOverRefusing(@TempDir Path out) {
        var prompts = prompts(80);
        var s = PreferenceDataGenerator.run(config(), SPEC, teacher("error=0.25&verbosity=0.5&drift=0.3"), JUDGE, prompts, out, (a, b, c) -> {});
        var items = byId(prompts);
        int op = 0, overRefusals = 0;
        for (var r : pairs(out)) {
            if (!r.meta().get("level").equals("output")) continue;
            op++;
            var p = items.get((String) r.meta().get("prompt_id"));
            assertEquals(List.of(new dev.deliberate.align.data.Turn("user", p.prompt())), r.prompt(), "the spec is stripped from the pair's prompt");
            var chosen = JUDGE.judge(p, completion(r, true), Visibility.COT_AND_ANSWER);
            var rejected = JUDGE.judge(p, completion(r, false), Visibility.COT_AND_ANSWER);
            assertTrue(chosen.accepted(), chosen.reason());
            assertFalse(rejected.accepted(), rejected.reason());
            boolean unsafe = rejected.checks().hazardLeaked() || p.style() != dev.deliberate.align.spec.Style.COMPLY && rejected.decision() == Decision.COMPLIED;
            boolean overRefusal = p.style() == dev.deliberate.align.spec.Style.COMPLY && rejected.decision() != Decision.COMPLIED;
            assertTrue(unsafe || overRefusal, "rejected is neither unsafe nor over-refusing: " + rejected.reason());
            assertEquals(overRefusal ? "over-refusal" : "unsafe", r.meta().get("rejected_kind"));
            if (p.intent() == Intent.BENIGN_LOOKALIKE || p.intent() == Intent.EDUCATIONAL) {
                // an over-refusal whenever one was sampled; else a leak of hazard detail
                assertTrue(overRefusal || rejected.checks().hazardLeaked(), rejected.reason());
                if (overRefusal) overRefusals++;
            }
        }
        System.out.print(s.table());
        assertTrue(op >= 60, "OP-COT pairs " + op);
        assertTrue(overRefusals > 10, "over-refusal pairs " + overRefusals);
        assertTrue(Files.exists(out.resolve(PreferenceDataGenerator.VAL)) && !Jsonl.readTrees(out.resolve(PreferenceDataGenerator.VAL)).isEmpty(), "a validation split");
        for (var r : Jsonl.read(out.resolve(PreferenceDataGenerator.VAL), PreferenceRecord.class))
            assertTrue(PreferenceDataGenerator.validation(4, items.get((String) r.meta().get("prompt_id")), 0.2));
    }

    @Test
    void processLevelPairsShareTheExactPrefixUpToTheBranchStepAndDifferAfter(@TempDir Path out) {
        var prompts = prompts(60);
        var c = new PreferenceDataGenerator.Config(config().base(), false, true, 0.3, 0.0);
        PreferenceDataGenerator.run(c, SPEC, teacher("error=0.25&verbosity=0.5&drift=0.3"), JUDGE, prompts, out, (a, b, d) -> {});
        var items = byId(prompts);
        int pp = 0, late = 0;
        for (var r : pairs(out)) {
            assertEquals("process", r.meta().get("level"));
            pp++;
            int b = (Integer) r.meta().get("branch_step");
            var chosen = Deliberation.steps(completion(r, true).reasoning());
            var rejected = Deliberation.steps(completion(r, false).reasoning());
            assertTrue(b >= 1 && b < chosen.size() && b < rejected.size());
            assertEquals(chosen.subList(0, b), rejected.subList(0, b), "exact shared prefix");
            assertNotEquals(chosen.get(b), rejected.get(b), "the chains differ right after the branch step");
            assertTrue(chosen.get(b).startsWith("Wait,"), "the chosen side reflects at the branch step: " + chosen.get(b));
            var p = items.get((String) r.meta().get("prompt_id"));
            assertTrue(p.rules().stream().anyMatch(id -> chosen.get(b).contains("[" + id + "]")), "the reflection cites the deciding rule");
            assertTrue(JUDGE.judge(p, completion(r, true), Visibility.COT_AND_ANSWER).accepted());
            if (r.meta().get("rejected_kind").equals("late-reflection")) {
                late++;
                assertTrue(rejected.get(b + 1).startsWith("Wait,"), "reflects one step later");
            } else assertFalse(JUDGE.judge(p, completion(r, false), Visibility.COT_AND_ANSWER).accepted());
        }
        assertTrue(pp >= 50, "PP-COT pairs " + pp);
        assertTrue(late > 5 && late < pp - 20, "some late-reflection pairs: " + late);
    }

    /**
     * The builder works on any chain: here the teacher is not recognisably the scripted one, so the rejected chain is a
     * sampled unsafe one and the chosen side comes from asking the model to continue its prefix with a reflection.
     */
    @Test
    void processPairsFromAnyModelContinuingAPrefix(@TempDir Path out) {
        ScriptedTeacher scripted = teacher("error=0.25&verbosity=0.5&drift=0.3");
        ChatModel continuing = new ChatModel() {
            public String id() {
                return "continuing";
            }

            public List<Completion> chat(List<Message> m, SamplingParams p) {
                String last = m.getLast().content();
                if (!last.startsWith("Here is the beginning of your reasoning")) return scripted.chat(m, p);
                String prefix = last.substring(last.indexOf("\n\n") + 2, last.indexOf("\n\nContinue this reasoning."));
                int b = Deliberation.steps(prefix).size();
                var whole = scripted.deliberate(m.subList(0, m.size() - 1), 99, Course.reflect(b, b));
                var rest = whole.steps().subList(b, whole.steps().size());
                return List.of(new Completion(String.join("\n\n", rest), whole.answer(), "stop", null));
            }
        };
        var prompts = prompts(40);
        var c = new PreferenceDataGenerator.Config(config().base(), true, true, 0.0, 0.0);
        PreferenceDataGenerator.run(c, SPEC, continuing, JUDGE, prompts, out, (a, b, d) -> {});
        int pp = 0;
        var items = byId(prompts);
        for (var r : pairs(out)) {
            if (!r.meta().get("level").equals("process")) continue;
            pp++;
            assertEquals("instructed-continuation", r.meta().get("brancher"));
            int b = (Integer) r.meta().get("branch_step");
            var chosen = Deliberation.steps(completion(r, true).reasoning());
            var rejected = Deliberation.steps(completion(r, false).reasoning());
            assertEquals(chosen.subList(0, b), rejected.subList(0, b));
            var p = items.get((String) r.meta().get("prompt_id"));
            assertTrue(JUDGE.judge(p, completion(r, true), Visibility.COT_AND_ANSWER).accepted());
            assertFalse(JUDGE.judge(p, completion(r, false), Visibility.COT_AND_ANSWER).accepted());
        }
        assertTrue(pp >= 5, "PP-COT pairs from model continuations: " + pp);
    }

    @Test
    void aKilledPreferenceRunResumesToTheCleanRunsFilesWithEachPairOnce(@TempDir Path tmp) throws Exception {
        var prompts = prompts(40);
        var teacher = teacher("error=0.25&verbosity=0.5&drift=0.3");
        Path clean = tmp.resolve("clean"), killed = tmp.resolve("killed");
        PreferenceDataGenerator.run(config(), SPEC, teacher, JUDGE, prompts, clean, (a, b, c) -> {});
        // killed through the judge, so that the teacher stays the scripted one (its PP-COT branches come from its courses)
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        dev.deliberate.align.judge.Judge failing = new dev.deliberate.align.judge.Judge() {
            public String id() {
                return JUDGE.id();
            }

            public dev.deliberate.align.judge.Verdict judge(dev.deliberate.align.judge.JudgeInput in) {
                if (calls.incrementAndGet() > 150) throw new IllegalStateException("killed");
                return JUDGE.judge(in);
            }
        };
        assertThrows(IllegalStateException.class, () -> PreferenceDataGenerator.run(config(), SPEC, teacher, failing, prompts, killed, (a, b, c) -> {}));
        assertTrue(Files.size(killed.resolve(PreferenceDataGenerator.TRAIN)) > 0, "the kill came after some pairs were written");
        PreferenceDataGenerator.run(config(), SPEC, teacher, JUDGE, prompts, killed, (a, b, c) -> {});
        for (String f : List.of(PreferenceDataGenerator.TRAIN, PreferenceDataGenerator.VAL))
            assertEquals(Files.readString(clean.resolve(f)), Files.readString(killed.resolve(f)), f);
        var keys = pairs(killed).stream().map(r -> (String) r.meta().get("key")).toList();
        assertEquals(keys.size(), new java.util.HashSet<>(keys).size(), "each (prompt, level) pair once");
        assertTrue(keys.stream().anyMatch(k -> k.endsWith("#op")) && keys.stream().anyMatch(k -> k.endsWith("#pp")));
    }

    @Test
    void generalTasksMakeNoPairs(@TempDir Path out) {
        var general = GenerationFixtures.WORLD.train().stream().filter(LabelledPrompt::isGeneral).limit(3).toList();
        var s = PreferenceDataGenerator.run(config(), SPEC, teacher("drift=0.3"), JUDGE, general, out, (a, b, c) -> {});
        assertEquals(Map.of("general-task", 3), s.dropped());
        assertTrue(pairs(out).isEmpty());
    }
}
