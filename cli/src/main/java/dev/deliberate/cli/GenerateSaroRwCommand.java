package dev.deliberate.cli;

import dev.deliberate.align.saro.ReasoningWarmupGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "saro-rw", mixinStandardHelpOptions = true,
        description = "SaRO reasoning-style warm-up data by shortest rejection sampling: K (default 8) judged teacher samples per "
                + "safety or general prompt; the shortest accepted one is kept. The summary reports how much shorter the kept set "
                + "is than a random accepted sample. Writes DIR/sft.jsonl.")
final class GenerateSaroRwCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @CommandLine.Mixin
    GenerateOptions o;

    @Override
    public Integer call() {
        try (var run = GenerateRun.open(cmd.commandLine(), o, new GenerateRun.Defaults(GenerateDeliberativeCommand.DEFAULT_TEACHER, 8, 0.2))) {
            var c = run.config();
            var s = ReasoningWarmupGenerator.run(c, run.spec, run.teacher, run.judge, run.prompts, run.out, run.progress());
            return run.finish(cmd.commandLine(), s, List.of(ReasoningWarmupGenerator.DATASET), List.of());
        }
    }
}
