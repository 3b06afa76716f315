package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a model over an OpenAI-compatible HTTP API.")
final class ServeCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #6";
    }
}
