package dev.deliberate.align.deliberative;

import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static dev.deliberate.align.deliberative.GenerationFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class DeliberativeDataGeneratorTest {
    static final Spec SPEC = Spec.defaultSpec();

    static GenerationConfig config(int k, int threads) {
        return new GenerationConfig(new SpecContextSampler.Settings(k, 1, 1.0, 2048), 0.9, 5, threads);
    }

    @Test
    void filteringDropsEverySampleWithAnInjectedError(@TempDir Path out) {
        var prompts = prompts(120);
        var noisy = teacher("error=0.3&verbosity=0.5");
        var clean = teacher("error=0&verbosity=0.5"); // the same samples without the injected errors (independent streams)
        var summary = DeliberativeDataGenerator.run(config(4, 1), SPEC, noisy, WorldJudge.builtin(), prompts, out, (s, d, t) -> {});
        var sampler = new SpecContextSampler(SPEC, noisy, WorldJudge.builtin(), config(4, 1).sampling());

        int injected = 0, keptClean = 0;
        var records = Jsonl.read(out.resolve(DeliberativeDataGenerator.DATASET), SftRecord.class);
        var byId = new java.util.HashMap<String, SftRecord>();
        for (var r : records) byId.put((String) r.meta().get("prompt_id"), r);
        for (LabelledPrompt p : prompts) {
            var params = SamplingParams.sample(1.0, 2048, 4, SpecContextSampler.promptSeed(5, p));
            List<Completion> n = noisy.chat(sampler.teacherPrompt(p), params), c = clean.chat(sampler.teacherPrompt(p), params);
            var erroneous = new HashSet<String>();
            for (int i = 0; i < 4; i++)
                if (!n.get(i).equals(c.get(i))) {
                    erroneous.add(n.get(i).text());
                    injected++;
                }
            SftRecord r = byId.get(p.id());
            if (r == null) continue;
            String kept = r.messages().getLast().content();
            assertFalse(erroneous.contains(kept), p.id() + ": kept a sample with an injected error:\n" + kept);
            assertEquals(c.get((Integer) r.meta().get("sample_index")).text(), kept);
            keptClean++;
        }
        System.out.printf("deliberative: %d prompts, %d samples with injected errors, %d kept%n%s", prompts.size(), injected, keptClean, summary.table());
        assertTrue(injected > 60, "the teacher should inject errors into about 30% of 480 samples, got " + injected);
        assertEquals(records.size(), keptClean);
        assertTrue(keptClean >= prompts.size() * 0.9, "most prompts have a clean sample among 4: " + keptClean);
        assertEquals(summary.samples().getOrDefault("rejected", 0) + summary.samples().getOrDefault("below-threshold", 0), injected,
                "every injected error, and nothing else, is filtered out");
    }

    @Test
    void recordsArePromptWithoutSpecThenThinkBlockAndAnswerWithProvenance(@TempDir Path out) {
        var prompts = prompts(20);
        DeliberativeDataGenerator.run(config(4, 1), SPEC, teacher("error=0.25&verbosity=0.5"), WorldJudge.builtin(), prompts, out, (s, d, t) -> {});
        var records = Jsonl.read(out.resolve(DeliberativeDataGenerator.DATASET), SftRecord.class);
        assertFalse(records.isEmpty());
        for (var r : records) {
            var p = prompts.stream().filter(x -> x.id().equals(r.meta().get("prompt_id"))).findFirst().orElseThrow();
            assertEquals(2, r.messages().size());
            assertEquals("user", r.messages().getFirst().role());
            assertEquals(p.prompt(), r.messages().getFirst().content(), "the spec is stripped: the user turn is the prompt as written");
            String a = r.messages().getLast().content();
            assertTrue(a.startsWith("<think>\n") && a.contains("\n</think>\n\n"), a);
            if (!p.isGeneral()) assertTrue(SPEC.citations(a).stream().anyMatch(p.rules()::contains), "cites a deciding rule: " + a);
            for (String k : List.of("key", "prompt_id", "category", "intent", "attack", "teacher", "judge", "score", "judge_scores", "sample_index", "spec_hash"))
                assertTrue(r.meta().containsKey(k), "meta lacks " + k + ": " + r.meta());
            assertEquals(SPEC.hash(), r.meta().get("spec_hash"));
            assertEquals(WorldJudge.ID, r.meta().get("judge"));
        }
    }

    @Test
    void malformedSamplesAreDroppedUnjudgedWithTheirReason(@TempDir Path out) {
        ChatModel broken = new ChatModel() {
            public String id() {
                return "broken";
            }

            public List<Completion> chat(List<Message> m, SamplingParams p) {
                return List.of(new Completion("", "no reasoning", "stop", null), Completion.fromText("<think>never closed", "stop", null),
                        new Completion("cut", "off", "length", null), new Completion("fine", "<think>again</think> x", "stop", null));
            }
        };
        var prompts = prompts(3);
        var s = DeliberativeDataGenerator.run(config(4, 1), SPEC, broken, WorldJudge.builtin(), prompts, out, (a, b, c) -> {});
        assertEquals(0, s.kept());
        assertEquals(Map.of("all-malformed", 3), s.dropped());
        assertEquals(Map.of("malformed:no-think-block", 3, "malformed:empty-answer", 3, "malformed:truncated", 3, "malformed:stray-think-tag", 3), s.samples());
    }

    @Test
    void aKilledRunResumesToExactlyTheCleanRunsFile(@TempDir Path tmp) throws Exception {
        var prompts = prompts(40);
        var teacher = teacher("error=0.25&verbosity=0.5");
        Path clean = tmp.resolve("clean"), killed = tmp.resolve("killed");
        DeliberativeDataGenerator.run(config(4, 1), SPEC, teacher, WorldJudge.builtin(), prompts, clean, (s, d, t) -> {});

        var failing = new Failing(teacher, 17);
        var e = assertThrows(IllegalStateException.class,
                () -> DeliberativeDataGenerator.run(config(4, 3), SPEC, failing, WorldJudge.builtin(), prompts, killed, (s, d, t) -> {}));
        assertTrue(e.getMessage().contains("killed"), e.getMessage());
        var partial = Jsonl.read(killed.resolve(GenerationRun.LEDGER), PromptOutcome.class);
        // three workers: the 18th call fails; it may belong to any prompt in flight, and prompts whose answers were still
        // being judged are not committed, so at most 17 are, always a prefix of the prompts in their order
        assertTrue(partial.size() > 0 && partial.size() <= 17, "committed " + partial.size());
        for (int i = 0; i < partial.size(); i++) assertEquals(prompts.get(i).id(), partial.get(i).promptId(), "a prefix, in order");
        // a torn half-line, as a kill in the middle of a write leaves it
        Files.writeString(killed.resolve(DeliberativeDataGenerator.DATASET), "{\"messages\":[{\"role\":\"us", java.nio.file.StandardOpenOption.APPEND);

        List<Integer> seen = new ArrayList<>();
        var s = DeliberativeDataGenerator.run(config(4, 2), SPEC, teacher, WorldJudge.builtin(), prompts, killed, (st, d, t) -> seen.add(d));
        assertEquals(partial.size(), seen.getFirst(), "progress starts at what the first run finished");
        assertEquals(Files.readString(clean.resolve(DeliberativeDataGenerator.DATASET)), Files.readString(killed.resolve(DeliberativeDataGenerator.DATASET)));
        assertEquals(Files.readString(clean.resolve(GenerationRun.LEDGER)), Files.readString(killed.resolve(GenerationRun.LEDGER)));
        assertEquals(prompts.size(), s.prompts());

        // a third run has nothing left to do and calls no teacher
        var untouchable = new Failing(teacher, 0);
        DeliberativeDataGenerator.run(config(4, 1), SPEC, untouchable, WorldJudge.builtin(), prompts, killed, (st, d, t) -> {});
        assertEquals(0, untouchable.calls.get());
    }
}
