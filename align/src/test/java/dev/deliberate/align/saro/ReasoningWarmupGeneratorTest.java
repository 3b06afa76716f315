package dev.deliberate.align.saro;

import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.spec.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;

import static dev.deliberate.align.deliberative.GenerationFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class ReasoningWarmupGeneratorTest {

    @Test
    void keepsTheShortestAcceptedSampleOfTheRealTeacherAndReportsTheSaving(@TempDir Path out) {
        var prompts = prompts(60);
        var c = new GenerationConfig(new SpecContextSampler.Settings(8, 1, 1.0, 2048), 0.9, 2, 1);
        var s = ReasoningWarmupGenerator.run(c, Spec.defaultSpec(), teacher("error=0.25&verbosity=0.6"), WorldJudge.builtin(), prompts, out, (a, b, d) -> {});
        var records = new HashMap<String, SftRecord>();
        for (var r : Jsonl.read(out.resolve(ReasoningWarmupGenerator.DATASET), SftRecord.class)) records.put((String) r.meta().get("prompt_id"), r);
        double savingSum = 0;
        int kept = 0;
        for (PromptOutcome o : Jsonl.read(out.resolve(GenerationRun.LEDGER), PromptOutcome.class)) {
            if (!o.kept()) continue;
            int keptIndex = ((Number) o.stats().get("kept_index")).intValue();
            var passed = o.samples().stream().filter(n -> n.status().equals("passed")).toList();
            int shortest = passed.stream().mapToInt(n -> n.reasoningTokens() + n.answerTokens()).min().orElseThrow();
            var keptNote = o.samples().get(keptIndex);
            assertEquals("passed", keptNote.status());
            assertEquals(shortest, keptNote.reasoningTokens() + keptNote.answerTokens(), o.key());
            assertTrue(passed.stream().filter(n -> n.reasoningTokens() + n.answerTokens() == shortest).allMatch(n -> n.index() >= keptIndex), "ties go to the earliest");
            double mean = passed.stream().mapToInt(n -> n.reasoningTokens() + n.answerTokens()).average().orElseThrow();
            savingSum += 1 - shortest / mean;
            assertEquals(keptIndex, records.get(o.promptId()).meta().get("sample_index"));
            assertEquals(shortest, records.get(o.promptId()).meta().get("length"));
            kept++;
        }
        assertEquals(records.size(), kept);
        assertTrue(kept >= 55, "kept " + kept);
        double saving = (Double) s.figures().get("srs_saving_mean");
        assertEquals(savingSum / kept, saving, 1e-12);
        assertTrue(saving > 0.05, "with verbosity 0.6 the shortest accepted sample is clearly shorter than a random one: " + saving);
        assertTrue((Double) s.figures().get("mean_kept_length") < (Double) s.figures().get("mean_random_accepted_length"));
        System.out.print(s.table());
    }
}
