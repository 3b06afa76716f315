package dev.deliberate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.deliberate.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train and eval read --config run files as generate does: the file fills what the flags leave out, flags win. */
class RunFileOptionTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void trainSftTakesItsOptionsFromARunFile(@TempDir Path tmp) throws Exception {
        String t = tmp.toString();
        var r = run("train", "tokenizer", "--corpus", "specworld", "--vocab", "400", "--out", t + "/tok");
        assertEquals(0, r.code(), r.err());
        ModelConfig.llama(32, 64, 1, 2, 2, 400, 256).write(tmp.resolve("shape.json"));
        Files.writeString(tmp.resolve("run.yaml"), String.join("\n", "text: specworld", "init: " + t + "/shape.json", "tokenizer: " + t + "/tok",
                "max_steps: 5", "lr: 3e-3", "max-seq-len: 128", "out: " + t + "/base", ""));
        r = run("train", "sft", "--config", t + "/run.yaml", "--max-steps", "2");
        assertEquals(0, r.code(), r.err());
        var summary = JSON.readTree(tmp.resolve("base/summary.json").toFile());
        assertEquals(2, summary.path("steps").asInt(), "the flag wins over the file's max_steps: " + summary);

        Files.writeString(tmp.resolve("bad.yaml"), "max_stepz: 2\n");
        r = run("train", "sft", "--config", t + "/bad.yaml", "--out", t + "/x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown key 'max_stepz'") && r.err().contains("bad.yaml"), r.err());
        r = run("train", "dpo", "--config", t + "/none.yaml");
        assertEquals(2, r.code());
        Files.writeString(tmp.resolve("empty.yaml"), "lr: 1e-3\n");
        r = run("train", "rl", "--config", t + "/empty.yaml");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out is required (or 'out:' in the --config run file)"), r.err());
    }

    @Test
    void evalTakesListsFromARunFile(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("eval.yaml"), String.join("\n", "model: world:teacher", "bench: [specworld-test]", "attacks: none,held-out",
                "limit: 8", "bootstrap: 50", "out: " + tmp.resolve("e"), ""));
        var r = run("eval", "--config", tmp.resolve("eval.yaml").toString());
        assertEquals(0, r.code(), r.err());
        var config = JSON.readTree(tmp.resolve("e/config.json").toFile());
        assertTrue(config.toString().contains("held-out"), config.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("e/metrics.json")));
    }
}
