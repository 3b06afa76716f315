package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Tokenize JSONL from stdin with a Hugging Face tokenizer (and render chat templates).")
final class TokenizeCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #4";
    }
}
