package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "generate", mixinStandardHelpOptions = true, description = "Build training data: deliberative (spec-in-context CoT), saro-rw (shortest rejection sampling), saro-prefs (OP-COT/PP-COT).")
final class GenerateCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #7";
    }
}
