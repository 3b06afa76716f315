package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks: engine, tokenizer, server throughput.")
final class BenchCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #3";
    }
}
