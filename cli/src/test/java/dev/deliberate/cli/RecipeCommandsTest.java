package dev.deliberate.cli;

import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.prompt.LabelledPrompt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The commands the demo's recipe added ({@code world corpus}, {@code generate answer-only}, {@code --only}, {@code --documents}, a shape for {@code --init}) and their bad input. */
class RecipeCommandsTest {
    @TempDir
    Path dir;

    private static MainTest.Run run(String... args) {
        return MainTest.run(args);
    }

    @Test
    void corpusOnlyGeneralAnswerOnlyAndAShapedBaseModel() throws Exception {
        Path world = dir.resolve("world"), corpus = dir.resolve("corpus"), general = dir.resolve("general"), safety = dir.resolve("safety");
        assertEquals(0, run("world", "generate", "--out", world.toString(), "--seed", "3", "--per-cell", "4", "--general-per-kind", "6").code());
        // a run file gives the options as every command reads one (flags override it)
        Path runFile = dir.resolve("corpus.yaml");
        Files.writeString(runFile, "out: " + corpus + "\nworld: " + world + "\nseed: 3\npractice: 4\ngeneral-practice: 6\ngeneral-replay: 4\nval-prompts: 99\n");
        var r = run("world", "corpus", "--config", runFile.toString(), "--val-prompts", "8");
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("documents.jsonl", "chat.jsonl", "helpful.jsonl", "practice-general.jsonl", "val-cot.jsonl", "val-answer.jsonl", "val-general.jsonl", "summary.json"))
            assertTrue(Files.isRegularFile(corpus.resolve(f)), f);
        var helpful = Jsonl.read(corpus.resolve("helpful.jsonl"), SftRecord.class);
        assertFalse(helpful.isEmpty());
        assertTrue(helpful.stream().allMatch(s -> ((String) s.meta().get("key")).startsWith("train-")), "helpful-only data is train split only");
        assertEquals(8, Jsonl.read(corpus.resolve("val-cot.jsonl"), SftRecord.class).size());
        var practice = Jsonl.read(corpus.resolve("practice-general.jsonl"), SftRecord.class);
        assertEquals(6, practice.size());
        for (SftRecord s : practice) { // worked: the teacher's CoT, then the answer
            assertTrue(((String) s.meta().get("key")).startsWith("practice-general-"), s.meta().toString());
            assertTrue(s.messages().getLast().content().startsWith("<think>") && s.messages().getLast().content().contains("The answer is"), s.toString());
        }
        // the first four again for safety SFT to replay: as they are, and without the CoT
        assertEquals(practice.subList(0, 4), Jsonl.read(corpus.resolve("replay-general.jsonl"), SftRecord.class));
        var answers = Jsonl.read(corpus.resolve("replay-general-answer.jsonl"), SftRecord.class);
        assertEquals(4, answers.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(practice.get(i).messages().getFirst(), answers.get(i).messages().getFirst());
            assertTrue(answers.get(i).messages().getLast().content().startsWith("The answer is"), answers.get(i).toString());
        }
        for (SftRecord s : Jsonl.read(corpus.resolve("val-answer.jsonl"), SftRecord.class)) assertFalse(s.messages().getLast().content().contains("<think>"));

        String train = world.resolve("train.jsonl").toString();
        r = run("generate", "deliberative", "--out", general.toString(), "--prompts", train, "--only", "general", "--k", "1");
        assertEquals(0, r.code(), r.err());
        var prompts = Jsonl.read(general.resolve(GenerateRun.PROMPTS), LabelledPrompt.class);
        long generalInWorld = Jsonl.read(world.resolve("train.jsonl"), LabelledPrompt.class).stream().filter(LabelledPrompt::isGeneral).count();
        assertEquals(generalInWorld, prompts.size(), "--only general keeps every general task");
        assertTrue(prompts.stream().allMatch(LabelledPrompt::isGeneral));

        r = run("generate", "deliberative", "--out", safety.toString(), "--prompts", train, "--only", "safety", "--k", "1", "--limit", "6");
        assertEquals(0, r.code(), r.err());
        assertTrue(Jsonl.read(safety.resolve(GenerateRun.PROMPTS), LabelledPrompt.class).stream().noneMatch(LabelledPrompt::isGeneral));
        r = run("generate", "answer-only", "--from", safety.toString(), "--out", dir.resolve("direct").toString());
        assertEquals(0, r.code(), r.err());
        var direct = Jsonl.read(dir.resolve("direct/sft.jsonl"), SftRecord.class);
        assertEquals(Jsonl.read(safety.resolve("sft.jsonl"), SftRecord.class).size(), direct.size());
        assertTrue(direct.stream().noneMatch(s -> s.messages().getLast().content().contains("</think>")));

        Path tok = dir.resolve("tok");
        r = run("train", "tokenizer", "--corpus", train + "," + general.resolve("sft.jsonl") + "," + corpus.resolve("documents.jsonl"), "--vocab", "400", "--out", tok.toString());
        assertEquals(0, r.code(), r.err());
        Path base = dir.resolve("base");
        r = run("train", "sft", "--init", "hidden=16,intermediate=32,layers=1,heads=2,context=256,tied=true", "--tokenizer", tok.toString(),
                "--data", general.resolve("sft.jsonl") + "," + corpus.resolve("chat.jsonl"), "--documents", corpus.resolve("documents.jsonl").toString(),
                "--out", base.toString(), "--max-steps", "2", "--batch", "2", "--max-seq-len", "256");
        assertEquals(0, r.code(), r.err());
        var config = Jsonl.MAPPER.readTree(base.resolve("checkpoint/config.json").toFile());
        assertEquals(16, config.path("hidden_size").asInt());
        assertEquals(256, config.path("max_position_embeddings").asInt());
        assertTrue(config.path("tie_word_embeddings").asBoolean());
        var summary = Jsonl.MAPPER.readTree(base.resolve("summary.json").toFile());
        long docs = Jsonl.readTrees(corpus.resolve("documents.jsonl")).size();
        assertTrue(summary.path("records").asLong() > docs, "chat records and documents together: " + summary);
    }

    @Test
    void badInputNamesTheFlag() throws Exception {
        Path world = dir.resolve("world");
        assertEquals(0, run("world", "generate", "--out", world.toString(), "--per-cell", "4").code());
        String train = world.resolve("train.jsonl").toString();

        var r = run("generate", "deliberative", "--out", dir.resolve("g").toString(), "--prompts", train, "--only", "general", "--general-fraction", "0.2");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--only general") && r.err().contains("--general-fraction"), r.err());
        r = run("generate", "deliberative", "--out", dir.resolve("g").toString(), "--prompts", train, "--only", "both");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--only must be general or safety"), r.err());

        r = run("generate", "answer-only", "--from", world.toString(), "--out", dir.resolve("a").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a finished generation run"), r.err());

        r = run("world", "corpus", "--world", world.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out is required (or 'out:' in the --config run file)"), r.err());
        r = run("world", "corpus", "--out", dir.resolve("c").toString(), "--world", dir.resolve("nowhere").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--world") && r.err().contains("train.jsonl"), r.err());

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\":\"fine\"}\n{\"other\":1}\n");
        r = run("train", "tokenizer", "--corpus", bad.toString(), "--vocab", "300", "--out", dir.resolve("t").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(bad + ": record 2 has no messages, text or prompt"), r.err());

        Path tok = dir.resolve("tok");
        assertEquals(0, run("train", "tokenizer", "--corpus", train, "--vocab", "300", "--out", tok.toString()).code());
        r = run("train", "sft", "--init", "hidden=16,layers=1,heads=2,depth=3", "--tokenizer", tok.toString(), "--documents", bad.toString(), "--out", dir.resolve("s").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--init") && r.err().contains("unknown key 'depth'"), r.err());
        r = run("train", "sft", "--init", "hidden=16,intermediate=32,layers=1,heads=2", "--tokenizer", tok.toString(), "--documents", bad.toString(), "--out", dir.resolve("s").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--documents " + bad + ": record 2 has no \"text\""), r.err());
        r = run("train", "sft", "--init", "tiny", "--tokenizer", tok.toString(), "--text", "specworld", "--documents", bad.toString(), "--out", dir.resolve("s").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--text packs plain text on its own"), r.err());
    }
}
