package dev.deliberate.cli;

import dev.deliberate.align.training.SpecWorldCorpus;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.engine.tokenizer.BpeTrainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = {"Train a byte-level BPE tokenizer with our special tokens and the ChatML template, saved as a Hugging",
                "Face tokenizer folder (tokenizer.json, tokenizer_config.json)."})
final class TrainTokenizerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @picocli.CommandLine.Mixin
    RunFileOption runFile;

    @Option(names = "--corpus", split = ",", paramLabel = "FILE|specworld",
            description = {"Text files (one document a line); JSONL files (.jsonl), of which each record gives its messages' contents",
                    "(TRL SFT records), its 'text' (documents) or its 'prompt' (labelled prompts); or 'specworld': every SpecWorld",
                    "prompt with the teacher's completion."})
    List<String> corpus;

    @Option(names = "--vocab", defaultValue = "4096", description = "Vocabulary size incl. 256 bytes and special tokens (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--min-frequency", defaultValue = "2", description = "Pairs seen fewer times are never merged (default: ${DEFAULT-VALUE}).")
    int minFrequency;

    @Option(names = "--world-seed", defaultValue = "1", description = "Seed of the SpecWorld corpus (default: ${DEFAULT-VALUE}).")
    long worldSeed;

    @Option(names = "--out", paramLabel = "DIR")
    Path out;

    /** A JSONL corpus file's texts, in order: each record's message contents, else its text, else its prompt. */
    static List<String> jsonlTexts(Path f) {
        var out = new ArrayList<String>();
        List<com.fasterxml.jackson.databind.JsonNode> records;
        try {
            records = dev.deliberate.align.io.Jsonl.readTrees(f);
        } catch (RuntimeException e) {
            throw new UserError("--corpus " + f + ": " + e.getMessage());
        }
        int line = 0;
        for (var r : records) {
            line++;
            if (r.has("messages")) r.get("messages").forEach(m -> out.add(m.path("content").asText()));
            else if (r.hasNonNull("text")) out.add(r.get("text").asText());
            else if (r.hasNonNull("prompt")) out.add(r.get("prompt").asText());
            else throw new UserError("--corpus " + f + ": record " + line + " has no messages, text or prompt field");
        }
        return out;
    }

    @Override
    public Integer call() throws IOException {
        runFile.apply();
        RunFileOption.require(corpus, "--corpus", "the texts to train on");
        RunFileOption.require(out, "--out", "the tokenizer folder");
        var texts = new ArrayList<String>();
        for (String c : corpus) {
            if (c.equals("specworld")) {
                var world = SpecWorld.builtin();
                var w = world.generate(SpecWorld.Config.defaults(worldSeed));
                texts.addAll(SpecWorldCorpus.tokenizerTexts(w.train(), ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN), world.spec()));
            } else {
                Path f = Path.of(c);
                if (!Files.isRegularFile(f)) throw new UserError("--corpus " + c + ": no such file (or give 'specworld')");
                if (c.endsWith(".jsonl")) texts.addAll(jsonlTexts(f));
                else for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) if (!line.isBlank()) texts.add(line);
            }
        }
        BpeTrainer.Config config;
        try {
            config = new BpeTrainer.Config(vocab, minFrequency, BpeTrainer.SPECIAL_TOKENS);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        var v = new BpeTrainer(config).train(texts);
        v.save(out);
        cmd.commandLine().getErr().println("tokenizer: " + v.tokens().size() + " tokens (" + v.merges().size() + " merges) from "
                + texts.size() + " documents → " + out);
        return 0;
    }
}
