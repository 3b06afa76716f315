package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a model: benchmarks x attack families x judge -> ASR, over-refusal, kept ability.")
final class EvalCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #8";
    }
}
