package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "world", mixinStandardHelpOptions = true, description = "SpecWorld, the embedded safety domain: generate labelled prompts, show the teacher and judge.")
final class WorldCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #5";
    }
}
