package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.demo.ComparisonTable;
import dev.deliberate.align.demo.DemoMethod;
import dev.deliberate.align.io.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The main job end to end on the seconds-sized test preset (its numbers mean nothing, its files do): every stage's run
 * folder, the table and report, a resume that redoes nothing, and the recipe's promise — the printed commands, run by
 * hand in order, make the same datasets, tokenizer and weights as the demo.
 */
class DemoCommandTest {
    private static MainTest.Run run(String... args) {
        return MainTest.run(args);
    }

    @Test
    void unknownPresetIsAUserError(@TempDir Path tmp) {
        var r = run("demo", "--preset", "huge", "--out", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--preset") && r.err().contains("tiny or small"), r.err());
        assertFalse(Files.exists(tmp.resolve("demo.json")), "nothing written for a bad flag");
    }

    @Test
    void runsEveryStageResumesAndEqualsItsPrintedCommandsRunByHand(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo");
        var r = run("demo", "--preset", "test", "--out", out.toString(), "--seed", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[1/11] Data"), r.out());
        assertTrue(r.out().contains("[11/11] Report"), r.out());
        assertTrue(r.out().contains("  $ bin/deliberate train rl --model " + out.resolve("da-sft/checkpoint")), "each command is shown as it runs:\n" + r.out());
        for (DemoMethod m : DemoMethod.values())
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(m.label + " ")), m + " has a table row:\n" + r.out());
        assertTrue(r.out().contains("ASR held-out") && r.out().contains("total ") && r.out().contains("report.html"), r.out());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("saro") && html.contains("direct-dpo") && html.contains("<svg"), "the report shows the methods and charts");

        for (DemoMethod m : DemoMethod.values()) {
            if (m.run == null) continue; // the teacher: evaluated, not trained
            Path d = out.resolve(m.run);
            assertTrue(Files.isRegularFile(d.resolve("checkpoint/model.safetensors")), m.run + " has a checkpoint");
            assertTrue(Files.isRegularFile(d.resolve("checkpoint/tokenizer.json")), m.run + " checkpoint carries the tokenizer");
            assertTrue(Files.isRegularFile(d.resolve("config.json")) && Files.isRegularFile(d.resolve("summary.json")), m.run);
            var lines = Jsonl.readTrees(d.resolve("metrics.jsonl"));
            assertFalse(lines.isEmpty(), m.run + " logged its steps");
            for (JsonNode l : lines) assertTrue(Double.isFinite(l.path("loss").asDouble(Double.NaN)) || l.has("reward"), m.run + ": " + l);
            assertTrue(Files.isRegularFile(out.resolve("eval").resolve(m.label).resolve("results.jsonl")), m.label + " is evaluated");
        }
        assertTrue(Jsonl.readTrees(out.resolve("direct-dpo/metrics.jsonl")).getFirst().has("rewards/margins"));
        assertTrue(Jsonl.readTrees(out.resolve("deliberative/metrics.jsonl")).getFirst().has("reward"));
        assertTrue(Files.isRegularFile(out.resolve("eval/decoding.json")));
        for (DemoMethod m : DemoMethod.values()) // the memorisation gap: every student on train-split prompts too
            assertEquals(m.run != null, Files.isRegularFile(out.resolve(ComparisonTable.TRAIN_SPLIT).resolve(m.label).resolve("metrics.json")), m.label);
        assertTrue(Files.isRegularFile(out.resolve("eval/teacher/results.jsonl")), "the teacher's ceiling row");
        assertTrue(r.out().contains("The same students on train-split prompts") && r.out().contains("held-out decoding checks"), r.out());

        // the baselines' data: same prompts as the reasoning data, no CoT anywhere
        var direct = Jsonl.read(out.resolve("data/direct-refusal/sft.jsonl"), SftRecord.class);
        assertEquals(Jsonl.read(out.resolve("data/deliberative/sft.jsonl"), SftRecord.class).size(), direct.size());
        for (SftRecord s : direct) assertFalse(s.messages().getLast().content().contains("<think>"));
        for (PreferenceRecord p : Jsonl.read(out.resolve("data/answer-dpo/prefs.jsonl"), PreferenceRecord.class)) {
            assertFalse(p.chosen().getLast().content().contains("</think>"));
            assertNotEquals(p.chosen().getLast().content(), p.rejected().getLast().content());
        }
        // the base model's general data is every general task and nothing else
        var general = Jsonl.read(out.resolve("data/general/prompts.jsonl"), dev.deliberate.align.prompt.LabelledPrompt.class);
        assertFalse(general.isEmpty());
        assertTrue(general.stream().allMatch(dev.deliberate.align.prompt.LabelledPrompt::isGeneral));

        var table = ComparisonTable.ofDemo(out);
        assertEquals(DemoMethod.values().length, table.rows().size());
        for (var row : table.rows())
            for (int i = 0; i < ComparisonTable.COLUMNS.size() - 1; i++) {
                Double v = row.values().get(i);
                if (v != null) assertTrue(v >= 0 && v <= 1, row.label() + " " + ComparisonTable.COLUMNS.get(i) + " = " + v);
            }

        // a rerun finds every command done: only the report is written again
        var again = run("demo", "--preset", "test", "--out", out.toString(), "--seed", "2");
        assertEquals(0, again.code(), again.err());
        assertEquals(10, again.out().lines().filter(l -> l.endsWith("done before, skipped")).count(), again.out());
        assertEquals(1, again.out().lines().filter(l -> l.startsWith("  $ ")).count(), "only the report reruns:\n" + again.out());
        assertEquals(table, ComparisonTable.ofDemo(out));

        var other = run("demo", "--preset", "tiny", "--out", out.toString());
        assertEquals(2, other.code());
        assertTrue(other.err().contains("preset test"), other.err());

        // the printed commands, run one by one as a user would, into another folder
        Path byHand = tmp.resolve("by-hand");
        var printed = run("demo", "--preset", "test", "--out", byHand.toString(), "--seed", "2", "--print-commands");
        assertEquals(0, printed.code(), printed.err());
        assertFalse(Files.exists(byHand), "--print-commands writes nothing");
        int commands = 0;
        for (String line : printed.out().lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) continue;
            assertTrue(line.startsWith("bin/deliberate "), line);
            var step = run(words(line.substring("bin/deliberate ".length())).toArray(String[]::new));
            assertEquals(0, step.code(), line + "\n" + step.err());
            commands++;
        }
        assertEquals(33, commands, printed.out());
        // each safety SFT stage replays the base's general practice, in its own format
        for (String line : printed.out().lines().filter(l -> l.startsWith("bin/deliberate train sft --model")).toList()) {
            boolean directRefusal = line.contains("data/direct-refusal/sft.jsonl");
            assertTrue(line.contains(directRefusal ? "data/corpus/replay-general-answer.jsonl" : "data/corpus/replay-general.jsonl"), line);
        }
        assertEquals(3, printed.out().lines().filter(l -> l.startsWith("bin/deliberate train sft --model") && l.contains("replay-general")).count(), printed.out());
        var demoFiles = hashes(out);
        assertTrue(demoFiles.keySet().containsAll(List.of("tokenizer/tokenizer.json", "saro/checkpoint/model.safetensors",
                "data/saro-prefs/prefs.jsonl", "data/corpus/documents.jsonl", "data/world/test.jsonl")), demoFiles.keySet().toString());
        assertEquals(7, demoFiles.keySet().stream().filter(k -> k.endsWith("model.safetensors")).count(), demoFiles.keySet().toString());
        assertEquals(demoFiles, hashes(byHand), "the demo and its commands run by hand make the same files");
    }

    @Test
    void secondSeedRunsInItsOwnFolderAndThePooledTableCountsBoth(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo");
        var r = run("demo", "--preset", "test", "--out", out.toString(), "--seed", "4", "--seeds", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("seeds 4–5") && r.out().contains("seed 5 · (e) SaRO SRPO"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("seeds/seed-5/saro/checkpoint/model.safetensors")));
        assertTrue(r.out().contains("2 seeds; each cell"), r.out());
        var table = ComparisonTable.ofDemo(out);
        assertEquals(2, table.seeds());
        var one = ComparisonTable.read(List.of(out.resolve("eval")), List.of(DemoMethod.values()));
        for (int i = 0; i < table.rows().size(); i++) {
            var a = table.rows().get(i).cells().get(ComparisonTable.COLUMNS.indexOf("truncated"));
            var b = one.rows().get(i).cells().get(ComparisonTable.COLUMNS.indexOf("truncated"));
            assertEquals(2 * b.n(), a.n(), "two seeds of the same preset: twice the outputs");
            assertTrue(a.lo() <= a.value() && a.value() <= a.hi(), a.toString());
        }
        var json = Jsonl.MAPPER.readTree(out.resolve("table.json").toFile());
        assertEquals(2, json.path("seeds").asInt());
        assertEquals(DemoMethod.values().length, json.path("rows").size());
        assertTrue(Files.readString(out.resolve("report.html")).contains("The comparison over 2 seed(s)"));
        var bad = run("demo", "--preset", "test", "--out", tmp.resolve("x").toString(), "--seeds", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--seeds must be >= 1"), bad.err());
    }

    /** sha256 of every dataset, the tokenizer and every checkpoint's weights, by path under {@code root}. */
    private static Map<String, String> hashes(Path root) throws Exception {
        var out = new TreeMap<String, String>();
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(f).toString().replace('\\', '/');
                boolean dataset = rel.startsWith("data/") && rel.endsWith(".jsonl") && !rel.endsWith("ledger.jsonl");
                boolean model = rel.startsWith("tokenizer/") || rel.endsWith("checkpoint/model.safetensors");
                if (dataset || model) out.put(rel, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return out;
    }

    /** A command line's words, as a POSIX shell splits them (single quotes, as {@link DemoRecipe#quote} writes them). */
    private static List<String> words(String line) {
        var out = new ArrayList<String>();
        var w = new StringBuilder();
        boolean quoted = false, any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (c == '\\' && !quoted && i + 1 < line.length()) {
                w.append(line.charAt(++i));
            } else if (c == ' ' && !quoted) {
                if (any || !w.isEmpty()) out.add(w.toString());
                w.setLength(0);
                any = false;
            } else w.append(c);
        }
        if (any || !w.isEmpty()) out.add(w.toString());
        return out;
    }
}
