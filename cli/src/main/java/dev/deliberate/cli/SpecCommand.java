package dev.deliberate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "spec", mixinStandardHelpOptions = true, description = "Safety specs: show the built-in spec, lint your own.",
        subcommands = {SpecShowCommand.class, SpecLintCommand.class})
final class SpecCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: choose show or lint.");
    }
}
