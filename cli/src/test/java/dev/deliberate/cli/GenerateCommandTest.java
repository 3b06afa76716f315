package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.Models;
import dev.deliberate.align.io.Jsonl;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(120)
class GenerateCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void models() {
        Models.installDefaults();
    }

    static MainTest.Run run(String... args) {
        return MainTest.run(args);
    }

    static JsonNode json(Path f) throws Exception {
        return JSON.readTree(f.toFile());
    }

    @Test
    void eachGeneratorRunsEndToEndOnSpecWorld(@TempDir Path tmp) throws Exception {
        var r = run("generate", "deliberative", "--limit", "24", "--out", tmp.resolve("da").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("deliberative run") && r.out().contains("records in sft.jsonl"), r.out());
        assertTrue(r.err().contains("deliberative") && r.err().contains("24/24"), "a progress bar: " + r.err());
        var summary = json(tmp.resolve("da/summary.json"));
        assertEquals(24, summary.get("prompts").asInt());
        assertEquals(summary.get("kept").asInt(), Jsonl.readTrees(tmp.resolve("da/sft.jsonl")).size());
        assertTrue(summary.get("samples").get("rejected").asInt() > 0, "the default teacher makes mistakes for the judge to catch");
        var config = json(tmp.resolve("da/config.json"));
        assertEquals(4, config.get("k").asInt());
        assertEquals(GenerateDeliberativeCommand.DEFAULT_TEACHER, config.get("teacher").asText());
        assertEquals(1, config.get("judge-runs").asInt());

        r = run("generate", "saro-rw", "--limit", "16", "--out", tmp.resolve("rw").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("srs saving mean"), r.out());
        assertTrue(json(tmp.resolve("rw/summary.json")).get("figures").get("srs_saving_mean").asDouble() > 0);
        assertEquals(8, json(tmp.resolve("rw/config.json")).get("k").asInt());

        r = run("generate", "saro-prefs", "--limit", "30", "--val-fraction", "0.2", "--export-llamafactory", "--out", tmp.resolve("prefs").toString());
        assertEquals(0, r.code(), r.err());
        var pairs = Jsonl.readTrees(tmp.resolve("prefs/prefs.jsonl"));
        assertTrue(pairs.stream().anyMatch(p -> p.at("/meta/level").asText().equals("output")));
        assertTrue(pairs.stream().anyMatch(p -> p.at("/meta/level").asText().equals("process") && p.at("/meta/branch_step").asInt() >= 1));
        var info = json(tmp.resolve("prefs/llamafactory/dataset_info.json"));
        assertTrue(info.get("saro_prefs_prefs").get("ranking").asBoolean(), info.toString());
        assertTrue(Files.exists(tmp.resolve("prefs/llamafactory/saro_prefs_prefs_val.jsonl")));
    }

    @Test
    void aRunFileSetsOptionsFlagsOverrideItAndUnknownKeysAreNamed(@TempDir Path tmp) throws Exception {
        Path yaml = tmp.resolve("run.yaml");
        Files.writeString(yaml, "k: 2\nlimit: 6\njudge_runs: 1\nthreshold: 0.8\nout: " + tmp.resolve("a") + "\n");
        var r = run("generate", "deliberative", "--config", yaml.toString(), "--k", "3");
        assertEquals(0, r.code(), r.err());
        var config = json(tmp.resolve("a/config.json"));
        assertEquals(3, config.get("k").asInt(), "the flag wins over the file");
        assertEquals(6, config.get("limit").asInt());
        assertEquals(0.8, config.get("threshold").asDouble());
        assertEquals(18, json(tmp.resolve("a/summary.json")).get("samples").properties().stream().mapToInt(e -> e.getValue().asInt()).sum(), "6 prompts x k=3");

        Files.writeString(yaml, "k: 2\ntemprature: 0.5\n");
        r = run("generate", "deliberative", "--config", yaml.toString(), "--out", tmp.resolve("b").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown key 'temprature'") && r.err().contains(yaml.toString()) && r.err().contains("temperature"), r.err());

        Path json = tmp.resolve("run.json");
        Files.writeString(json, "{\"k\": \"many\"}");
        r = run("generate", "saro-rw", "--config", json.toString(), "--out", tmp.resolve("c").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("key 'k' must be an integer, got 'many'"), r.err());
        assertFalse(Files.exists(tmp.resolve("b")) || Files.exists(tmp.resolve("c")), "nothing is written for a bad run file");
    }

    @Test
    void aRerunExtendsTheRunAndRefusesChangedSettings(@TempDir Path tmp) throws Exception {
        String out = tmp.resolve("run").toString();
        var r0 = run("generate", "deliberative", "--limit", "8", "--out", out);
        assertEquals(0, r0.code(), r0.err());
        String first = Files.readString(tmp.resolve("run/sft.jsonl"));
        var r = run("generate", "deliberative", "--limit", "16", "--out", out);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(tmp.resolve("run/sft.jsonl")).startsWith(first), "a larger --limit appends to the same run");
        assertEquals(16, json(tmp.resolve("run/summary.json")).get("prompts").asInt());

        String clean = tmp.resolve("clean").toString();
        assertEquals(0, run("generate", "deliberative", "--limit", "16", "--out", clean).code());
        assertEquals(Files.readString(tmp.resolve("clean/sft.jsonl")), Files.readString(tmp.resolve("run/sft.jsonl")));

        r = run("generate", "deliberative", "--limit", "16", "--k", "5", "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("different configuration") && r.err().contains("k: 4 -> 5"), r.err());
    }

    @Test
    void aTeacherBehindDeliberateServeGivesTheSameRecordsAsTheDirectReference(@TempDir Path tmp) throws Exception {
        String teacher = GenerateDeliberativeCommand.DEFAULT_TEACHER;
        var serve = new ServeCommand();
        var cl = new CommandLine(serve);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.parseArgs("--model", teacher, "--port", "0", "--served-model-name", "teacher");
        var running = serve.start();
        try {
            String url = running.server().baseUrl() + "#teacher";
            var r = run("generate", "deliberative", "--limit", "20", "--teacher", url, "--no-cache", "--threads", "4", "--out", tmp.resolve("http").toString());
            assertEquals(0, r.code(), r.err());
            r = run("generate", "deliberative", "--limit", "20", "--teacher", teacher, "--out", tmp.resolve("direct").toString());
            assertEquals(0, r.code(), r.err());
        } finally {
            running.stop();
        }
        List<JsonNode> viaHttp = Jsonl.readTrees(tmp.resolve("http/sft.jsonl")), direct = Jsonl.readTrees(tmp.resolve("direct/sft.jsonl"));
        assertEquals(direct.size(), viaHttp.size());
        assertTrue(direct.size() >= 15);
        for (int i = 0; i < direct.size(); i++) {
            assertTrue(viaHttp.get(i).at("/meta/teacher").asText().endsWith("#teacher"));
            ((ObjectNode) viaHttp.get(i).get("meta")).remove("teacher");
            ((ObjectNode) direct.get(i).get("meta")).remove("teacher");
            assertEquals(direct.get(i), viaHttp.get(i));
        }
    }

    /** A grader model with one canned reply, registered as {@code gentest:NAME}. */
    record Grader(String reply) implements dev.deliberate.align.llm.ChatModel {
        public String id() {
            return "gentest:grader";
        }

        public List<dev.deliberate.align.llm.Completion> chat(List<dev.deliberate.align.llm.Message> m, dev.deliberate.align.llm.SamplingParams p) {
            return java.util.Collections.nCopies(p.n(), new dev.deliberate.align.llm.Completion("", reply, "stop", null));
        }
    }

    @Test
    void aModelJudgeGradesWithTheSpecMinOverThreeRunsAndUnreadableGradesKeepNothing(@TempDir Path tmp) throws Exception {
        dev.deliberate.align.llm.ChatModels.register("gentest", (name, o) -> new Grader(name.equals("lenient")
                ? "Decision: refused\nCorrect decision: yes\nHazard leaked: no\nStyle followed: yes\nCites right rule: yes\nScore: 9/10\nReason: fine"
                : "What a lovely answer!"));
        var r = run("generate", "deliberative", "--limit", "6", "--judge", "gentest:lenient", "--out", tmp.resolve("lenient").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(3, json(tmp.resolve("lenient/config.json")).get("judge-runs").asInt(), "a model judge is run 3 times by default");
        var records = Jsonl.readTrees(tmp.resolve("lenient/sft.jsonl"));
        assertEquals(6, records.size(), "this grader passes everything well-formed");
        assertEquals("spec-judge:gentest:grader", records.getFirst().at("/meta/judge").asText());
        assertEquals(3, records.getFirst().at("/meta/judge_scores").size());

        r = run("generate", "deliberative", "--limit", "6", "--judge", "gentest:garbled", "--judge-runs", "1", "--out", tmp.resolve("garbled").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(0, Jsonl.readTrees(tmp.resolve("garbled/sft.jsonl")).size(), "an unreadable grade is never a pass");
        var ledger = Jsonl.readTrees(tmp.resolve("garbled/ledger.jsonl"));
        assertTrue(ledger.getFirst().at("/samples/0/reason").asText().startsWith(dev.deliberate.align.judge.SpecJudge.PARSE_FAILURE), ledger.getFirst().toString());
    }

    @Test
    void badInputGetsClearErrors(@TempDir Path tmp) throws Exception {
        var r = run("generate", "deliberative", "--limit", "2");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out DIR is required"), r.err());
        r = run("generate", "deliberative", "--attacks", "rot13", "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("held out"), r.err());
        Path bad = tmp.resolve("prompts.jsonl");
        Files.writeString(bad, "{\"id\":\"a\",\"category\":\"CHEM\",\"intent\":\"educational\",\"style\":\"comply\",\"prompt\":\"hi\"}\n{\"id\":\"b\"}\n");
        r = run("generate", "deliberative", "--prompts", bad.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(bad + ":2:"), r.err());
        r = run("generate");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("deliberative, saro-rw, saro-prefs or answer-only"), r.err());
    }
}
