package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "The main job: train a small student on SpecWorld with every method, evaluate, and write the report.")
final class DemoCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #8";
    }
}
