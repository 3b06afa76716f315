package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "engine", mixinStandardHelpOptions = true, description = "Engine training and decoding throughput (tok/s, GFLOP/s) for the tiny and small shapes.")
final class BenchEngineCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #3";
    }
}
