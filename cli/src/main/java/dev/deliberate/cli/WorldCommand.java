package dev.deliberate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "world", mixinStandardHelpOptions = true, description = "SpecWorld, the embedded safety domain: generate labelled prompts, show the teacher and judge, write a pretraining corpus, check decoding.",
        subcommands = {WorldGenerateCommand.class, WorldTeachCommand.class, WorldCorpusCommand.class, WorldDecodingCheckCommand.class})
final class WorldCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: choose generate, teach, corpus or decoding-check.");
    }
}
