package dev.deliberate.cli;

import dev.deliberate.align.eval.analysis.DecodingCheck;
import dev.deliberate.align.llm.BatchingChatModel;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.LocalChatModel;
import dev.deliberate.align.training.SpecWorldCorpus;
import dev.deliberate.align.world.SpecWorld;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "decoding-check", mixinStandardHelpOptions = true,
        description = {"Learnability of the held-out attacks: can the model decode their encodings (rot13, word reversal, Pig Latin)",
                "on sentences no practice task used? Exact match of the greedy answer, per family, written as one JSON file."})
final class WorldDecodingCheckCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @picocli.CommandLine.Mixin
    RunFileOption runFile;

    @Option(names = "--model", paramLabel = "REF", description = "A checkpoint directory, or any model reference.")
    String model;

    @Option(names = "--checks", defaultValue = "40", paramLabel = "N", description = "Checks per encoding (default: ${DEFAULT-VALUE}).")
    int checks;

    @Option(names = "--seed", defaultValue = "2", description = "Seed of the checks' sentences (default: ${DEFAULT-VALUE}; the corpus's seed + 1 keeps them apart from its own).")
    long seed;

    @Option(names = "--threads", defaultValue = "16", paramLabel = "N", description = "Checks in flight at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--out", paramLabel = "FILE", description = "The JSON file to write.")
    Path out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        runFile.apply();
        RunFileOption.require(model, "--model", "the model to check");
        RunFileOption.require(out, "--out", "the JSON file to write");
        if (checks < 1 || threads < 1) throw new UserError("--checks and --threads must be >= 1");
        dev.deliberate.align.Models.installDefaults();
        var tasks = SpecWorldCorpus.decodingChecks(SpecWorld.builtin().lexicon(), seed, checks);
        ChatModel m;
        try {
            m = ChatModels.global().open(model, ChatModels.OpenOptions.defaults().withNoCache());
        } catch (IllegalArgumentException e) {
            throw new UserError("--model: " + e.getMessage());
        }
        DecodingCheck.Result r;
        try (ChatModel asked = m instanceof LocalChatModel ? new BatchingChatModel(m, Math.min(threads, LocalChatModel.MAX_BATCH_SLOTS)) : m) {
            r = DecodingCheck.run(asked, tasks, seed, threads);
        }
        var json = new LinkedHashMap<String, Object>();
        json.put("model", model);
        json.put("exact", r.exact());
        json.put("n", r.n());
        json.put("by_family", r.byFamily()); // family -> {exact, n}
        json.put("examples", r.examples());
        if (out.getParent() != null) java.nio.file.Files.createDirectories(out.getParent());
        TrainRun.writeJson(out, json);
        var o = cmd.commandLine().getOut();
        var families = new StringBuilder();
        r.byFamily().forEach((f, v) -> families.append(String.format(Locale.ROOT, ", %s %.1f%%", f, 100 * v.exact())));
        o.printf(Locale.ROOT, "held-out decoding (exact): %.1f%% of %d%s%n", 100 * r.exact(), r.n(), families);
        o.flush();
        return 0;
    }
}
