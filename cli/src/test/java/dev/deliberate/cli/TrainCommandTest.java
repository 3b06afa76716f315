package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.training.SpecWorldCorpus;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The train commands end to end on SpecWorld: tokenizer → pretraining from scratch → SFT → DPO and RL, and a rerun resumes. */
class TrainCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** sft.jsonl (teacher CoT conversations) and prefs.jsonl (clean over wrong answers) from six SpecWorld training prompts. */
    static void writeSftAndPrefs(Path tmp) throws java.io.IOException {
        var world = SpecWorld.builtin();
        var prompts = world.generate(new SpecWorld.Config(7, 2, 2, 0.25)).train().stream().filter(p -> !p.isGeneral()).limit(6).toList();
        var teacher = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
        var wrong = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN.withErrorRate(1.0));
        var sft = new ArrayList<String>();
        for (var rec : SpecWorldCorpus.reasoningConversations(prompts, teacher, world.spec())) sft.add(Jsonl.line(rec));
        Files.write(tmp.resolve("sft.jsonl"), sft);
        var prefs = new ArrayList<String>();
        for (var p : prompts)
            prefs.add(Jsonl.line(new PreferenceRecord(List.of(new Turn("user", p.prompt())),
                    List.of(new Turn("assistant", SpecWorldCorpus.teach(teacher, world.spec(), p, 0).text())),
                    List.of(new Turn("assistant", SpecWorldCorpus.teach(wrong, world.spec(), p, 1).text())), Map.of("level", "output"))));
        Files.write(tmp.resolve("prefs.jsonl"), prefs);
    }

    static List<JsonNode> metrics(Path dir) throws Exception {
        var out = new ArrayList<JsonNode>();
        for (String l : Files.readAllLines(dir.resolve("metrics.jsonl"))) out.add(JSON.readTree(l));
        return out;
    }

    @Test
    void trainsFromScratchThenSftDpoAndRl(@TempDir Path tmp) throws Exception {
        String t = tmp.toString();
        var r = run("train", "tokenizer", "--corpus", "specworld", "--vocab", "600", "--out", t + "/tok");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(tmp.resolve("tok/tokenizer.json")));

        ModelConfig.llama(64, 128, 2, 4, 2, 600, 512).write(tmp.resolve("shape.json"));
        r = run("train", "sft", "--text", "specworld", "--init", t + "/shape.json", "--tokenizer", t + "/tok", "--max-steps", "3",
                "--lr", "3e-3", "--out", t + "/base", "--max-seq-len", "256");
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"))
            assertTrue(Files.isRegularFile(tmp.resolve("base/checkpoint/" + f)), f);
        assertTrue(metrics(tmp.resolve("base")).stream().anyMatch(l -> l.path("split").asText().equals("eval")), "val loss on SpecWorld's test split");

        writeSftAndPrefs(tmp);

        String[] sftArgs = {"train", "sft", "--data", t + "/sft.jsonl", "--val", t + "/sft.jsonl", "--model", t + "/base/checkpoint",
                "--max-steps", "4", "--batch", "4", "--micro-batch", "2", "--save-every", "2", "--lr", "3e-3", "--out", t + "/sft"};
        r = run(sftArgs);
        assertEquals(0, r.code(), r.err());
        var lines = metrics(tmp.resolve("sft"));
        assertEquals(4, lines.stream().filter(l -> l.path("split").asText().equals("train")).count());
        assertTrue(lines.getLast().path("loss").asDouble() < lines.getFirst().path("loss").asDouble(), "eval loss falls");
        var summary = JSON.readTree(tmp.resolve("sft/summary.json").toFile());
        assertEquals(6, summary.path("examples").asInt());

        // rerunning a finished run touches nothing: it says so and exits 0
        byte[] summaryBytes = Files.readAllBytes(tmp.resolve("sft/summary.json"));
        byte[] weightBytes = Files.readAllBytes(tmp.resolve("sft/checkpoint/model.safetensors"));
        r = run(sftArgs);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("already finished"), r.err());
        assertArrayEquals(summaryBytes, Files.readAllBytes(tmp.resolve("sft/summary.json")));
        assertEquals(lines.size(), metrics(tmp.resolve("sft")).size());

        // killed during the final save, after the pending summary, with the checkpoint half written: the rerun commits
        // the summary the training measured (not NaN and 0 tokens/s) and the same weights, and removes the orphan
        Files.move(tmp.resolve("sft/summary.json"), tmp.resolve("sft/summary.pending.json"));
        Files.move(tmp.resolve("sft/checkpoint"), tmp.resolve("sft/checkpoint.tmp-999"));
        r = run(sftArgs);
        assertEquals(0, r.code(), r.err());
        var again = JSON.readTree(tmp.resolve("sft/summary.json").toFile());
        assertEquals(summary.path("final_loss").asDouble(), again.path("final_loss").asDouble());
        assertEquals(summary.path("mean_tokens_per_second").asDouble(), again.path("mean_tokens_per_second").asDouble());
        assertEquals(summary.path("eval"), again.path("eval"));
        assertArrayEquals(weightBytes, Files.readAllBytes(tmp.resolve("sft/checkpoint/model.safetensors")));
        assertFalse(Files.exists(tmp.resolve("sft/checkpoint.tmp-999")));
        assertFalse(Files.exists(tmp.resolve("sft/summary.pending.json")));

        // killed after the last state save, before the pending summary: the summary comes from metrics.jsonl
        Files.delete(tmp.resolve("sft/summary.json"));
        r = run(sftArgs);
        assertEquals(0, r.code(), r.err());
        again = JSON.readTree(tmp.resolve("sft/summary.json").toFile());
        assertEquals(lines.stream().filter(l -> l.path("split").asText().equals("train")).reduce((a, b) -> b).orElseThrow().path("loss").asDouble(),
                again.path("final_loss").asDouble(), 1e-9);
        assertTrue(again.path("mean_tokens_per_second").asDouble() > 0, again.toString());
        assertFalse(again.path("eval").isEmpty(), again.toString());
        assertArrayEquals(weightBytes, Files.readAllBytes(tmp.resolve("sft/checkpoint/model.safetensors")));

        r = run("train", "dpo", "--data", t + "/prefs.jsonl", "--val", t + "/prefs.jsonl", "--model", t + "/sft/checkpoint",
                "--max-steps", "3", "--batch", "6", "--micro-batch", "3", "--lr", "3e-3", "--out", t + "/dpo");
        assertEquals(0, r.code(), r.err());
        var dpo = metrics(tmp.resolve("dpo"));
        for (String k : List.of("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen", "logps/rejected"))
            assertTrue(dpo.getLast().has(k) && dpo.get(1).has(k), k);
        assertEquals("eval", dpo.getLast().path("split").asText());

        r = run("train", "rl", "--prompts", "specworld", "--limit", "4", "--model", t + "/sft/checkpoint", "--group", "2",
                "--batch", "2", "--micro-batch", "4", "--max-steps", "2", "--max-new-tokens", "12", "--out", t + "/rl");
        assertEquals(0, r.code(), r.err());
        var rl = metrics(tmp.resolve("rl"));
        for (String k : List.of("reward", "reward_std", "kl", "clip_ratio", "completion_length")) assertTrue(rl.getLast().has(k), k);
        assertEquals("answer-only", JSON.readTree(tmp.resolve("rl/config.json").toFile()).path("judge_visibility").asText());

        r = run("train", "rl", "--judge", "nosuch:judge", "--model", t + "/sft/checkpoint", "--out", t + "/rl2");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nosuch"), r.err());
    }

    @Test
    void logitBlockRowsTrainsTheSameAndIsRecorded(@TempDir Path tmp) throws Exception {
        String t = tmp.toString();
        assertEquals(0, run("train", "tokenizer", "--corpus", "specworld", "--vocab", "600", "--out", t + "/tok").code());
        ModelConfig.llama(32, 64, 1, 4, 2, 600, 512).write(tmp.resolve("shape.json"));
        writeSftAndPrefs(tmp);
        double[] last = new double[2];
        for (int i = 0; i < 2; i++) {
            var args = new ArrayList<>(List.of("train", "sft", "--data", t + "/sft.jsonl", "--init", t + "/shape.json", "--tokenizer",
                    t + "/tok", "--max-steps", "3", "--batch", "4", "--lr", "3e-3", "--max-seq-len", "256", "--out", t + "/run" + i));
            if (i == 1) args.addAll(List.of("--logit-block-rows", "5")); // every micro-batch in several blocks
            var r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            var lines = metrics(tmp.resolve("run" + i));
            last[i] = lines.stream().filter(l -> l.path("split").asText().equals("train")).toList().getLast().path("loss").asDouble();
        }
        assertEquals(last[0], last[1], 1e-4 * Math.abs(last[0]), "the same training to fp32 rounding");
        assertEquals(5, JSON.readTree(tmp.resolve("run1/config.json").toFile()).path("logit_block_rows").asInt());

        var r = run("train", "sft", "--data", t + "/sft.jsonl", "--init", t + "/shape.json", "--tokenizer", t + "/tok",
                "--max-steps", "1", "--logit-block-rows", "-1", "--out", t + "/bad");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--logit-block-rows"), r.err());
    }

    @Test
    void badInputIsNamed(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("bad.jsonl"), "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n{not json\n");
        var r = run("train", "sft", "--data", tmp.resolve("bad.jsonl").toString(), "--init", "tiny", "--tokenizer", tmp.toString(),
                "--out", tmp.resolve("o").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("tokenizer.json"), r.err());
        r = run("train", "sft", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data"), r.err());
    }
}
