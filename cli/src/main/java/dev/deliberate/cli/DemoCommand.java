package dev.deliberate.cli;

import dev.deliberate.align.demo.DemoPreset;
import dev.deliberate.align.demo.DemoRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job: SpecWorld data, a tokenizer and a small student trained from scratch on general tasks, then five",
                "branches — (a) no safety training, (b) direct-refusal SFT, (c) (b) + answer-only DPO, (d) Deliberative Alignment",
                "(CoT SFT + judge-reward RL), (e) SaRO (reasoning warmup + SRPO) — evaluated on held-out SpecWorld prompts under no",
                "attack, seen and held-out attack families. Prints the comparison table and writes DIR/report.html.",
                "Every stage has its own run folder under DIR; rerunning resumes at the first unfinished stage."})
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Option(names = "--preset", defaultValue = "small", description = "tiny (about a minute and a half on 2 cores; CI's smoke run) or small (the default, about 7–11 minutes, under 20).")
    String preset;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/demo", description = "Folder of the stages' run folders and the report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for SpecWorld, data, initialisation and sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        DemoPreset p;
        try {
            p = DemoPreset.named(preset);
        } catch (IllegalArgumentException e) {
            throw new UserError("--preset: " + e.getMessage());
        }
        PrintWriter w = cmd.commandLine().getOut(), err = cmd.commandLine().getErr();
        w.printf(Locale.ROOT, "deliberate demo: preset %s, seed %d, into %s%n", p.name(), seed, out);
        w.flush();
        DemoRun.Result r;
        try {
            r = DemoRun.run(p, out, seed, new DemoProgress(w, err));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        w.println();
        w.print(r.table().render());
        w.println();
        w.println("stage times:");
        for (var t : r.times())
            w.printf(Locale.ROOT, "  %-75s %s%n", t.stage(), t.skipped() ? "done before" : DemoProgress.duration(t.seconds()));
        w.printf(Locale.ROOT, "total %s. Report: %s%n", DemoProgress.duration(r.totalSeconds()), r.report());
        w.flush();
        return 0;
    }
}
