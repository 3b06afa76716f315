package dev.deliberate.align.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.SftRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The demo's orchestration end to end on the seconds-sized {@link DemoPreset#TEST}: its numbers mean nothing, its files do. */
class DemoRunTest {

    @Test
    void runsEveryStageWritesTheRunFoldersTableAndReportAndResumes(@TempDir Path out) throws Exception {
        var stages = new ArrayList<String>();
        var skipped = new ArrayList<String>();
        DemoRun.Listener listener = new DemoRun.Listener() {
            @Override
            public void stage(int index, int total, String title, boolean skip, double eta) {
                (skip ? skipped : stages).add(title);
            }
        };
        var r = DemoRun.run(DemoPreset.TEST, out, 3, listener);
        assertEquals(11, stages.size(), "every stage runs the first time: " + stages);
        assertTrue(skipped.isEmpty());

        for (String ckpt : List.of("base", "direct-sft", "direct-dpo", "da-sft", "deliberative", "saro-rw", "saro")) {
            Path d = out.resolve(ckpt);
            assertTrue(Files.isRegularFile(d.resolve("checkpoint/model.safetensors")), ckpt + " has a checkpoint");
            assertTrue(Files.isRegularFile(d.resolve("checkpoint/tokenizer.json")), ckpt + " checkpoint carries the tokenizer");
            assertTrue(Files.isRegularFile(d.resolve("config.json")) && Files.isRegularFile(d.resolve("summary.json")), ckpt);
            var lines = Jsonl.readTrees(d.resolve("metrics.jsonl"));
            assertFalse(lines.isEmpty(), ckpt + " logged its steps");
            for (JsonNode l : lines) assertTrue(Double.isFinite(l.path("loss").asDouble(Double.NaN)) || l.has("reward"), ckpt + ": " + l);
        }
        assertTrue(Jsonl.readTrees(out.resolve("direct-dpo/metrics.jsonl")).getFirst().has("rewards/margins"));
        assertTrue(Jsonl.readTrees(out.resolve("deliberative/metrics.jsonl")).getFirst().has("reward"));

        // the baselines' data: same prompts as the reasoning data, no CoT anywhere
        var direct = Jsonl.read(out.resolve("data/direct-refusal/sft.jsonl"), SftRecord.class);
        assertEquals(Jsonl.read(out.resolve("data/deliberative/sft.jsonl"), SftRecord.class).size(), direct.size());
        for (SftRecord s : direct) assertFalse(s.messages().getLast().content().contains("<think>"));
        for (PreferenceRecord p : Jsonl.read(out.resolve("data/answer-dpo/prefs.jsonl"), PreferenceRecord.class)) {
            assertFalse(p.chosen().getLast().content().contains("</think>"));
            assertNotEquals(p.chosen().getLast().content(), p.rejected().getLast().content());
        }

        assertEquals(DemoRun.Method.values().length, r.table().rows().size());
        for (var row : r.table().rows()) {
            assertTrue(Files.isRegularFile(out.resolve("eval").resolve(row.label()).resolve("results.jsonl")));
            for (int i = 0; i < ComparisonTable.COLUMNS.size() - 1; i++) {
                Double v = row.values().get(i);
                if (v != null) assertTrue(v >= 0 && v <= 1, row.label() + " " + ComparisonTable.COLUMNS.get(i) + " = " + v);
            }
            int truncated = ComparisonTable.COLUMNS.indexOf("truncated");
            assertTrue(row.values().get(0) != null || row.values().get(truncated) == 1.0,
                    row.label() + " has an un-attacked ASR, or every output was cut off (left out of ASR): " + row.values());
            assertTrue(row.values().getLast() >= 0);
        }
        String text = r.table().render();
        for (String c : ComparisonTable.COLUMNS) assertTrue(text.contains(c));
        String html = Files.readString(r.report());
        assertTrue(html.contains("saro") && html.contains("direct-dpo") && html.contains("<svg"), "the report shows the methods and charts");

        // a rerun finds every stage done
        stages.clear();
        var again = DemoRun.run(DemoPreset.TEST, out, 3, listener);
        assertEquals(List.of("Report: " + DemoRun.REPORT), stages, "only the report is redone on a rerun");
        assertEquals(r.table(), again.table());

        var e = assertThrows(IllegalArgumentException.class, () -> DemoRun.run(DemoPreset.TEST, out, 4, listener));
        assertTrue(e.getMessage().contains("seed 3"), e.getMessage());
    }
}
