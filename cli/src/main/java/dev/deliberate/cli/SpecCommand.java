package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "spec", mixinStandardHelpOptions = true, description = "Safety specs: show the built-in spec, lint your own.")
final class SpecCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #5";
    }
}
