package dev.deliberate.cli;

import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.training.SpecWorldCorpus;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.world.WorldData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "corpus", mixinStandardHelpOptions = true,
        description = {"A base model's pretraining corpus from SpecWorld's knowledge (documents about every topic of both splits,",
                "the world's facts, practice of every attack's transformation on benign sentences; no safety decision), the",
                "helpful-only exchanges that make the base model comply with train-split harmful requests (as the papers'",
                "starting models do), and the validation sets of the SFT stages (the clean teacher on test-split prompts, with",
                "and without the CoT, and the test split's general tasks), and worked general tasks to practise on (--general-practice).",
                "Writes documents.jsonl, chat.jsonl, helpful.jsonl, practice-general.jsonl, replay-general(-answer).jsonl (--general-replay),",
                "val-cot.jsonl, val-answer.jsonl,",
                "val-general.jsonl and, last, summary.json. Train on them with 'train sft --documents … --data …'."})
final class WorldCorpusCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @picocli.CommandLine.Mixin
    RunFileOption runFile;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (created if needed).")
    Path out;

    @Option(names = "--world", paramLabel = "DIR", description = "A 'world generate' folder: its test split gives the validation prompts.")
    Path world;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the corpus and the decoding checks (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--practice", defaultValue = "150", paramLabel = "N", description = "Practice tasks per attack transformation (default: ${DEFAULT-VALUE}).")
    int practice;

    @Option(names = "--val-prompts", defaultValue = "60", paramLabel = "N", description = "Test-split prompts in val-cot and val-answer, spread over the split (default: ${DEFAULT-VALUE}).")
    int valPrompts;

    @Option(names = "--general-practice", defaultValue = "0", paramLabel = "N",
            description = "Worked arithmetic tasks and word problems (train split, no test prompt's numbers) in practice-general.jsonl (default: ${DEFAULT-VALUE}).")
    int generalPractice;

    @Option(names = "--general-replay", defaultValue = "0", paramLabel = "N",
            description = "The first N practice tasks again, with the CoT (replay-general.jsonl) and answer-only (replay-general-answer.jsonl), for safety SFT to replay (default: ${DEFAULT-VALUE}).")
    int generalReplay;

    @Override
    public Integer call() throws IOException {
        runFile.apply();
        RunFileOption.require(out, "--out", "the output folder");
        RunFileOption.require(world, "--world", "a 'world generate' folder");
        if (practice < 0 || generalPractice < 0 || generalReplay < 0 || valPrompts < 1)
            throw new UserError("--practice, --general-practice and --general-replay must be >= 0 and --val-prompts >= 1");
        for (String f : java.util.List.of("train.jsonl", "test.jsonl"))
            if (!Files.isRegularFile(world.resolve(f))) throw new UserError("--world " + world + " has no " + f + " (make it with 'deliberate world generate')");
        java.util.List<dev.deliberate.align.prompt.LabelledPrompt> train, test;
        try {
            train = WorldData.read(world.resolve("train.jsonl"));
            test = WorldData.read(world.resolve("test.jsonl"));
        } catch (RuntimeException e) {
            throw new UserError(e.getMessage());
        }
        var sw = SpecWorld.builtin();
        var seen = Attacks.seen(Attacks.builtin());
        var counts = new java.util.LinkedHashMap<>(SpecWorldCorpus.write(out, sw.lexicon(), sw.spec(), train, test, seen, seed, practice, valPrompts,
                sw.generalPractice(generalPractice, seed), generalReplay));
        counts.put("world", world.toString());
        TrainRun.writeJson(out.resolve("summary.json"), counts); // written last: the folder's commit marker
        cmd.commandLine().getOut().println("wrote " + out + ": " + counts);
        cmd.commandLine().getOut().flush();
        return 0;
    }
}
