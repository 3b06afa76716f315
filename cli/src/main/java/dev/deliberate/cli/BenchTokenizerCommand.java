package dev.deliberate.cli;

import dev.deliberate.bench.TokenizerBench;
import dev.deliberate.bench.TokenizerBenchText;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Tokenizer encode throughput (MB/s) with the Qwen3 tokenizer.")
final class BenchTokenizerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Tokenizer folder (default: the Qwen3 tokenizer that ships with deliberate).")
    Path dir;

    @Option(names = "--mb", defaultValue = "10", description = "Size of the generated text in MB (default: ${DEFAULT-VALUE}).")
    double mb;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--write-text", paramLabel = "FILE", description = "Also write the generated documents as JSONL (one string a line), to run another tokenizer on the same text.")
    Path writeText;

    @Override
    public Integer call() throws IOException {
        if (runs < 1 || mb <= 0) throw new UserError("--runs must be >= 1 and --mb > 0");
        Path tokDir = dir != null ? dir : TokenizerBench.qwen3();
        var docs = TokenizerBenchText.documents((long) (mb * 1e6), 20260423L);
        if (writeText != null) {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            try (var w = Files.newBufferedWriter(writeText)) {
                for (String d : docs) w.write(json.writeValueAsString(d) + "\n");
            }
        }
        var warmUp = TokenizerBenchText.documents(1_000_000, 1L);
        int mismatches = TokenizerBench.compare(() -> HfTokenizer.load(tokDir), dir != null ? dir.getFileName().toString() : "qwen3", warmUp, docs, runs,
                spec.commandLine().getOut());
        if (mismatches > 0) {
            spec.commandLine().getErr().println("deliberate bench tokenizer: our ids differ from HF tokenizers on " + mismatches + " documents");
            return 1;
        }
        return 0;
    }
}
