package dev.deliberate.cli;

import dev.deliberate.align.cluster.GenerationRecipe;
import dev.deliberate.align.saro.PreferenceDataGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "saro-prefs", mixinStandardHelpOptions = true,
        description = "SaRO preference pairs for SRPO, per safety prompt: OP-COT (whole chains: chosen judged safe and correct, "
                + "rejected judged unsafe or over-refusing) and PP-COT (one chain branched at a step: chosen reflects early and "
                + "cites the rule, rejected drifts on or reflects late; meta.branch_step). Writes DIR/prefs.jsonl and "
                + "DIR/prefs.val.jsonl.")
final class GenerateSaroPrefsCommand implements Callable<Integer> {
    static final String DEFAULT_TEACHER = "world:teacher?error=0.25&verbosity=0.5&drift=0.3";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @CommandLine.Mixin
    GenerateOptions o;

    @Option(names = "--levels", paramLabel = "LIST", defaultValue = "output,process", description = "Pair levels to write: output (OP-COT), process (PP-COT) or both (default: ${DEFAULT-VALUE}).")
    String levels;

    @Option(names = "--late-reflection", paramLabel = "F", defaultValue = "0.25", description = "Share of PP-COT pairs whose rejected side reflects one step late instead of drifting (default: ${DEFAULT-VALUE}).")
    double lateReflection;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1", description = "Share of prompts whose pairs go to prefs.val.jsonl, for DPO's held-out metrics (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Override
    public Integer call() {
        boolean op = false, pp = false;
        for (String l : levels.split(","))
            switch (l.strip()) {
                case "output", "op", "op-cot" -> op = true;
                case "process", "pp", "pp-cot" -> pp = true;
                default -> throw new UserError("--levels: unknown level '" + l.strip() + "' (output, process)");
            }
        try (var run = GenerateRun.open(cmd.commandLine(), o, new GenerateRun.Defaults(DEFAULT_TEACHER, 8, 0.0))) {
            PreferenceDataGenerator.Config c;
            try {
                c = new PreferenceDataGenerator.Config(run.config(new GenerationRecipe.Prefs(op, pp, lateReflection, valFraction)), op, pp, lateReflection, valFraction);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            var s = PreferenceDataGenerator.run(c, run.spec, run.teacher, run.judge, run.prompts, run.out, run.progress());
            return run.finish(cmd.commandLine(), s, List.of(), List.of(PreferenceDataGenerator.TRAIN, PreferenceDataGenerator.VAL));
        }
    }
}
