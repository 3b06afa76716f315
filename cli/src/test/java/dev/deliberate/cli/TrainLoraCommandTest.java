package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.io.PeftAdapter;
import dev.deliberate.engine.io.TinyCheckpoint;
import dev.deliberate.engine.model.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.deliberate.cli.TrainCommandTest.run;
import static dev.deliberate.cli.TrainCommandTest.writeSftAndPrefs;
import static org.junit.jupiter.api.Assertions.*;

/** train sft|dpo --lora: a PEFT adapter out, --merge, a rerun resumes, an adapter as the next stage's model. */
class TrainLoraCommandTest {
    @Test
    void loraSftThenDpoOnTheAdapter(@TempDir Path tmp) throws Exception {
        String t = tmp.toString();
        TinyCheckpoint.write(tmp.resolve("base"), 5);
        writeSftAndPrefs(tmp);

        String[] sftArgs = {"train", "sft", "--data", t + "/sft.jsonl", "--model", t + "/base", "--max-steps", "3", "--batch", "4",
                "--lr", "1e-2", "--max-seq-len", "256", "--lora", "r=4,alpha=8,targets=all-linear,dropout=0.1", "--checkpointing", "--merge",
                "--out", t + "/sft"};
        var r = run(sftArgs);
        assertEquals(0, r.code(), r.err());
        Path adapter = tmp.resolve("sft/adapter");
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors", "tokenizer.json"))
            assertTrue(Files.isRegularFile(adapter.resolve(f)), f);
        JsonNode cfg = new ObjectMapper().readTree(adapter.resolve("adapter_config.json").toFile());
        assertEquals("LORA", cfg.path("peft_type").asText());
        assertEquals(tmp.resolve("base").toAbsolutePath().normalize().toString(), cfg.path("base_model_name_or_path").asText());
        byte[] first = Files.readAllBytes(adapter.resolve("adapter_model.safetensors"));

        // the merged checkpoint and base + adapter give the same log-probs
        var be = new CpuBackend();
        var batch = Batch.of(List.of(new int[]{3, 8, 13, 21, 34}));
        double merged = Checkpoint.load(tmp.resolve("sft/checkpoint"), be).sequenceLogProbs(batch, null)[0];
        double adapted = PeftAdapter.load(PeftAdapter.resolve(adapter.toString()), be).sequenceLogProbs(batch, null)[0];
        assertEquals(adapted, merged, 1e-4);

        // a rerun of the finished run touches nothing
        r = run(sftArgs);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("already finished"), r.err());
        assertArrayEquals(first, Files.readAllBytes(adapter.resolve("adapter_model.safetensors")));
        // killed during the final save (pending summary, adapter half written): the rerun resumes the state and
        // writes the same adapter, removing the orphan
        Files.move(tmp.resolve("sft/summary.json"), tmp.resolve("sft/summary.pending.json"));
        Files.move(adapter, tmp.resolve("sft/adapter.tmp-999"));
        r = run(sftArgs);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resuming"), r.err());
        assertArrayEquals(first, Files.readAllBytes(adapter.resolve("adapter_model.safetensors")));
        assertFalse(Files.exists(tmp.resolve("sft/adapter.tmp-999")));
        assertTrue(Files.isRegularFile(tmp.resolve("sft/summary.json")));

        // the adapter folder as the next stage's model, continuing the adapter
        r = run("train", "dpo", "--data", t + "/prefs.jsonl", "--model", adapter.toString(), "--lora", "r=4,alpha=8,targets=all-linear",
                "--max-steps", "2", "--batch", "2", "--max-seq-len", "256", "--out", t + "/dpo");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(tmp.resolve("dpo/adapter/adapter_model.safetensors")));
        assertFalse(Files.exists(tmp.resolve("dpo/checkpoint")), "no merged checkpoint without --merge");

        r = run("train", "dpo", "--data", t + "/prefs.jsonl", "--model", adapter.toString(), "--lora", "r=8,alpha=8,targets=all-linear",
                "--max-steps", "2", "--out", t + "/dpo2");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("differs from the adapter being continued"), r.err());
        r = run("train", "sft", "--data", t + "/sft.jsonl", "--model", t + "/base", "--lora", "r=4,targets=lm_head", "--out", t + "/bad");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("lm_head"), r.err());
        r = run("train", "sft", "--data", t + "/sft.jsonl", "--model", t + "/base", "--merge", "--out", t + "/bad2");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--merge needs --lora"), r.err());
    }

    @Test
    void bf16BaseTrainsAndMergesTheRoundedBase(@TempDir Path tmp) throws Exception {
        String t = tmp.toString();
        TinyCheckpoint.write(tmp.resolve("base"), 5);
        writeSftAndPrefs(tmp);
        var r = run("train", "sft", "--data", t + "/sft.jsonl", "--model", t + "/base", "--max-steps", "2", "--batch", "4",
                "--lr", "1e-2", "--max-seq-len", "256", "--lora", "r=4,alpha=8,targets=all-linear", "--base-dtype", "bf16", "--merge",
                "--out", t + "/sft");
        assertEquals(0, r.code(), r.err());
        assertEquals("bf16", new ObjectMapper().readTree(tmp.resolve("sft/config.json").toFile()).path("base_dtype").asText());
        Path adapter = tmp.resolve("sft/adapter");
        assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));

        // the merged checkpoint is the bf16-rounded base plus the adapter: base + adapter loaded, base held as bf16
        var be = new CpuBackend();
        var batch = Batch.of(List.of(new int[]{3, 8, 13, 21, 34}));
        double merged = Checkpoint.load(tmp.resolve("sft/checkpoint"), be).sequenceLogProbs(batch, null)[0];
        var adapted = PeftAdapter.load(PeftAdapter.resolve(adapter.toString()), be);
        double fp32Base = adapted.sequenceLogProbs(batch, null)[0];
        adapted.setBaseDtype(dev.deliberate.engine.model.BaseDtype.BF16);
        double bf16Base = adapted.sequenceLogProbs(batch, null)[0];
        assertEquals(bf16Base, merged, 1e-6);
        assertTrue(Math.abs(fp32Base - merged) > 1e-5, "the unrounded base must differ for the comparison to mean something: " + fp32Base + " vs " + merged);

        // DPO on the adapter with a bf16 base: the reference is the same bf16 base with the adapter off
        r = run("train", "dpo", "--data", t + "/prefs.jsonl", "--model", adapter.toString(), "--lora", "r=4,alpha=8,targets=all-linear",
                "--base-dtype", "bf16", "--max-steps", "1", "--batch", "2", "--max-seq-len", "256", "--out", t + "/dpo");
        assertEquals(0, r.code(), r.err());

        r = run("train", "sft", "--data", t + "/sft.jsonl", "--model", t + "/base", "--base-dtype", "bf16", "--out", t + "/bad");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--base-dtype bf16 needs --lora"), r.err());
        r = run("train", "sft", "--data", t + "/sft.jsonl", "--model", t + "/base", "--lora", "r=4", "--base-dtype", "fp16", "--out", t + "/bad2");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--base-dtype fp16"), r.err());
    }
}
