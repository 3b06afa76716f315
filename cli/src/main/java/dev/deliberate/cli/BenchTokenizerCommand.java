package dev.deliberate.cli;

import picocli.CommandLine.Command;

@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Tokenizer encode throughput (MB/s) with the Qwen3 tokenizer.")
final class BenchTokenizerCommand extends NotBuiltYet {
    @Override
    String arrivesWith() {
        return "issue #4";
    }
}
