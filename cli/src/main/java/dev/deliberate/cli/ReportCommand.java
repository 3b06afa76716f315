package dev.deliberate.cli;

import dev.deliberate.align.demo.ComparisonTable;
import dev.deliberate.align.report.Html;
import dev.deliberate.align.report.ReportWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write one self-contained report.html for one or more run folders (searched recursively): the comparison "
                + "table, ASR vs over-refusal, ASR per attack family, training curves, the embedding map, reasoning lengths, "
                + "reflection statistics and sampled transcripts. Missing pieces are listed, not fatal.")
final class ReportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Run folders, or folders holding several (a demo folder).")
    List<Path> runs;

    @Option(names = "--out", paramLabel = "FILE", description = "The page to write (default: RUN_DIR/report.html for one folder, else ./report.html).")
    Path out;

    @Option(names = "--baseline", paramLabel = "LABEL", description = "Add accuracy changes against this method (the model before safety training).")
    String baseline;

    @Option(names = "--demo", paramLabel = "DIR", description = {"A demo folder: put its comparison table pooled over every seed it holds (DIR and",
            "DIR/seeds/seed-S/), with intervals and marks, first in the page, and write it as DIR/table.json."})
    Path demo;

    @Override
    public Integer call() throws java.io.IOException {
        Path file = out != null ? out : runs.size() == 1 ? runs.getFirst().resolve("report.html") : Path.of("report.html");
        for (Path r : runs) if (!Files.isDirectory(r)) throw new UserError(r + " is not a folder; give run folders (those written with --out)");
        ReportWriter.Written w;
        try {
            var first = new java.util.ArrayList<ReportWriter.Section>();
            if (demo != null) {
                if (ComparisonTable.seedFolders(demo).isEmpty()) throw new UserError("--demo " + demo + " holds no evaluated demo (no eval/ in it or in seeds/seed-S/)");
                var table = ComparisonTable.ofDemo(demo);
                TrainRun.writeJson(demo.resolve("table.json"), table.toJson());
                first.add(new ReportWriter.Section("The comparison over " + table.seeds() + " seed(s)", table.toHtml()));
                var train = ComparisonTable.ofDemo(demo, ComparisonTable.TRAIN_SPLIT);
                String decoding = ComparisonTable.decodingNote(demo);
                String learn = (decoding == null ? "" : Html.paragraph(decoding))
                        + (train.rows().isEmpty() ? "" : Html.paragraph(ComparisonTable.TRAIN_SPLIT_NOTE) + train.toHtml());
                if (!learn.isEmpty()) first.add(new ReportWriter.Section("Learnability: train split next to test split", learn));
            }
            w = ReportWriter.write(runs, baseline, first, file);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new UserError(e.getMessage());
        }
        var o = cmd.commandLine().getOut();
        o.printf("report over %d run folder(s): %s%n", w.runs().size(), w.file().toAbsolutePath());
        if (!w.notes().isEmpty()) {
            o.println("missing pieces:");
            w.notes().forEach(n -> o.println("  - " + n));
        }
        o.flush();
        return 0;
    }
}
