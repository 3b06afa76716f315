package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a student: sft (also pretraining from scratch), dpo, rl; and the tokenizer it uses.",
                "Each writes a run folder (config.json, metrics.jsonl, checkpoint/, state/, summary.json); rerunning the",
                "same command into the same --out continues from the last saved step."},
        subcommands = {TrainSftCommand.class, TrainDpoCommand.class, TrainRlCommand.class, TrainTokenizerCommand.class})
final class TrainCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: sft, dpo, rl or tokenizer.");
    }
}
