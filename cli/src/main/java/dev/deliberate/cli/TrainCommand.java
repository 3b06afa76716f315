package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a student: sft, dpo, rl.")
final class TrainCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #7";
    }
}
