package dev.deliberate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Build training data: deliberative (spec-in-context CoT), saro-rw (shortest rejection sampling), saro-prefs (OP-COT/PP-COT), answer-only (the no-reasoning baselines' data).",
        subcommands = {GenerateDeliberativeCommand.class, GenerateSaroRwCommand.class, GenerateSaroPrefsCommand.class, GenerateAnswerOnlyCommand.class})
final class GenerateCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: choose deliberative, saro-rw, saro-prefs or answer-only.");
    }
}
