package dev.deliberate.cli;

import dev.deliberate.align.data.AnswerOnlyData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;

@Command(name = "answer-only", mixinStandardHelpOptions = true,
        description = {"The no-reasoning baselines' data from a generation run folder: its SFT records (direct-refusal SFT) or",
                "output-level pairs (answer-only DPO) with the chain of thought removed, under the same file names."})
final class GenerateAnswerOnlyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @picocli.CommandLine.Mixin
    RunFileOption runFile;

    @Option(names = "--from", paramLabel = "DIR", description = "A 'generate deliberative', 'saro-rw' or 'saro-prefs' run folder.")
    Path from;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder: the converted files and summary.json.")
    Path out;

    @Override
    public Integer call() throws java.io.IOException {
        runFile.apply();
        RunFileOption.require(from, "--from", "a generation run folder");
        RunFileOption.require(out, "--out", "the output folder");
        if (!Files.isRegularFile(from.resolve("summary.json")))
            throw new UserError("--from " + from + " is not a finished generation run (no summary.json); finish it first");
        java.util.Map<String, Integer> written;
        try {
            written = AnswerOnlyData.convert(from, out);
        } catch (IllegalArgumentException e) {
            throw new UserError("--from " + e.getMessage());
        }
        var summary = new LinkedHashMap<String, Object>();
        summary.put("records", written);
        summary.put("from", from.toString());
        summary.put("what", "chain of thought removed" + (written.containsKey(AnswerOnlyData.PREFS) ? "; output-level pairs only" : ""));
        TrainRun.writeJson(out.resolve("summary.json"), summary); // written last: the folder's commit marker
        var o = cmd.commandLine().getOut();
        written.forEach((f, n) -> o.println("wrote " + out.resolve(f) + " (" + n + " records)"));
        o.flush();
        return 0;
    }
}
