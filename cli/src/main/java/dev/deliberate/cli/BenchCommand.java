package dev.deliberate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code deliberate bench}: the benchmark harnesses; each subcommand prints medians beside a reference figure. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: engine, tokenizer, server throughput, endpoint pool, reward service.",
        subcommands = {BenchEngineCommand.class, BenchTokenizerCommand.class, BenchServerCommand.class, BenchPoolCommand.class, BenchRewardCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing benchmark: choose engine, tokenizer, server or pool.");
    }
}
