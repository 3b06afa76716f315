package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "server", mixinStandardHelpOptions = true, description = "OpenAI-compatible server throughput with 1, 8 and 32 concurrent clients.")
final class BenchServerCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #6";
    }
}
