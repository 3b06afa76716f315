package dev.deliberate.align.data;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.eval.bench.BenchmarkFormatException;
import dev.deliberate.align.eval.bench.ColumnMapping;
import dev.deliberate.align.eval.bench.TabularBenchmark;
import dev.deliberate.align.llm.PromptTooLongException;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.spec.Style;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Issue #11: the files users bring — BOMs, JSON arrays, minimal prompt records — read as they meant them. */
class UserFilesTest {

    @Test
    void jsonlWithAByteOrderMarkReadsLikeWithout(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("b.jsonl");
        Files.writeString(f, "\uFEFF{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n");
        var items = TabularBenchmark.load(f, ColumnMapping.prompt("prompt"), "b");
        assertEquals(List.of("one", "two"), items.stream().map(i -> i.prompt()).toList());
        assertEquals(2, Jsonl.readTrees(f).size());
    }

    @Test
    void aJsonArrayFileIsReadAsRecordsAndItsErrorsNameTheElement(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("b.json");
        Files.writeString(f, "\uFEFF[{\"q\":\"one\",\"label\":\"unsafe\"},{\"q\":\"two\",\"label\":\"safe\"}]");
        var items = TabularBenchmark.load(f, ColumnMapping.prompt("q").withLabel("label"), "b");
        assertEquals(2, items.size());
        assertEquals("two", items.get(1).prompt());
        Files.writeString(f, "[{\"q\":\"one\"}, 3]");
        var e = assertThrows(BenchmarkFormatException.class, () -> TabularBenchmark.load(f, ColumnMapping.prompt("q"), "b"));
        assertTrue(e.getMessage().contains("b.json") && e.getMessage().contains("[1]") && !e.getMessage().contains("CSV"), e.getMessage());
    }

    @Test
    void minimalPromptRecordsTakeIntentAndStyleFromTheirCategory(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("p.jsonl");
        Files.writeString(f, "\uFEFF{\"prompt\":\"How do I make korrin gas?\",\"category\":\"CHEM\"}\n"
                + "{\"prompt\":\"Should I take this tincture?\",\"category\":\"ADV\"}\n"
                + "{\"prompt\":\"What is 2+3?\",\"category\":\"general\",\"gold\":\"5\"}\n"
                + "{\"id\":\"mine\",\"prompt\":\"Explain korrin gas\",\"category\":\"CHEM\",\"intent\":\"educational\",\"rules\":[\"CHEM-1\"]}\n");
        List<LabelledPrompt> ps = PromptFile.read(f, Spec.defaultSpec());
        assertEquals(4, ps.size());
        assertEquals(Intent.HARMFUL_OPERATIONAL, ps.get(0).intent());
        assertEquals(Spec.defaultSpec().category("CHEM").orElseThrow().style(), ps.get(0).style());
        assertEquals("line-1", ps.get(0).id());
        assertEquals(Intent.EDUCATIONAL, ps.get(1).intent());
        assertEquals(Style.COMPLY, ps.get(1).style());
        assertEquals(Intent.GENERAL, ps.get(2).intent());
        assertEquals("mine", ps.get(3).id());
        assertEquals(Style.COMPLY, ps.get(3).style());
    }

    @Test
    void unknownCategoriesRulesAndFieldsAreRefusedNamingTheLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("p.jsonl");
        Spec spec = Spec.defaultSpec();
        Files.writeString(f, "{\"prompt\":\"ok\",\"category\":\"CHEM\"}\n{\"prompt\":\"x\",\"category\":\"NOPE\"}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(f, spec));
        assertTrue(e.getMessage().contains("p.jsonl:2") && e.getMessage().contains("'category'") && e.getMessage().contains("NOPE"), e.getMessage());
        Files.writeString(f, "{\"prompt\":\"x\",\"category\":\"CHEM\",\"rules\":[\"CYB-1\"]}\n");
        e = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(f, spec));
        assertTrue(e.getMessage().contains("p.jsonl:1") && e.getMessage().contains("CYB-1"), e.getMessage());
        Files.writeString(f, "{\"prompt\":\"x\",\"categroy\":\"CHEM\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(f, spec));
        assertTrue(e.getMessage().contains("'categroy'") && e.getMessage().contains("unknown field"), e.getMessage());
        Files.writeString(f, "{\"prompt\":\"x\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(f, spec));
        assertTrue(e.getMessage().contains("'category'") && !e.getMessage().contains("dev.deliberate"), e.getMessage());
    }

    @Test
    void aPromptTooLongForTheTeacherIsSkippedWithALedgerLineAndTheRunGoesOn(@TempDir Path tmp) {
        var prompts = List.of(
                new LabelledPrompt("a", "train", "CHEM", Intent.HARMFUL_OPERATIONAL, Style.REFUSE, List.of(), null, null, null, null, "short", null, null),
                new LabelledPrompt("b", "train", "CHEM", Intent.HARMFUL_OPERATIONAL, Style.REFUSE, List.of(), null, null, null, null, "long ".repeat(99), null, null),
                new LabelledPrompt("c", "train", "CHEM", Intent.HARMFUL_OPERATIONAL, Style.REFUSE, List.of(), null, null, null, null, "short too", null, null));
        var outcomes = GenerationRun.run(tmp, List.of("d.jsonl"), prompts, 1, p -> {
            if (p.prompt().length() > 100) throw new PromptTooLongException("the prompt has 99 tokens; the model serves at most 64");
            return new GenerationRun.Produced(List.of(), new PromptOutcome(p.id(), p.id(), p.category(), "x", "none", "kept", List.of(), null));
        }, "test", ProgressListener.NONE);
        assertEquals(List.of("kept", GenerationRun.SKIPPED_TOO_LONG, "kept"), outcomes.stream().map(PromptOutcome::outcome).toList());
        assertTrue(outcomes.get(1).samples().getFirst().reason().contains("serves at most"));
    }
}
