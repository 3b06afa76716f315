package dev.deliberate.cli;

import dev.deliberate.align.deliberative.DeliberativeDataGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "deliberative", mixinStandardHelpOptions = true,
        description = "Deliberative Alignment SFT data: for each prompt, K teacher samples with spec(category) in context, each "
                + "judged (seeing CoT and answer, min over --judge-runs); malformed ones dropped; the best scoring at least "
                + "--threshold kept, with the spec stripped: prompt -> <think>CoT</think> answer. Writes DIR/sft.jsonl.")
final class GenerateDeliberativeCommand implements Callable<Integer> {
    static final String DEFAULT_TEACHER = "world:teacher?error=0.25&verbosity=0.5";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @CommandLine.Mixin
    GenerateOptions o;

    @Override
    public Integer call() {
        try (var run = GenerateRun.open(cmd.commandLine(), o, new GenerateRun.Defaults(DEFAULT_TEACHER, 4, 0.2))) {
            var c = run.config();
            var s = DeliberativeDataGenerator.run(c, run.spec, run.teacher, run.judge, run.prompts, run.out, run.progress());
            return run.finish(cmd.commandLine(), s, List.of(DeliberativeDataGenerator.DATASET), List.of());
        }
    }
}
