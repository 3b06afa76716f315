package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "report", mixinStandardHelpOptions = true, description = "Write the HTML report for one or more run folders.")
final class ReportCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #8";
    }
}
