package dev.deliberate.cli;

import dev.deliberate.align.demo.DemoPreset;
import dev.deliberate.bench.LearnabilityBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "learnability", mixinStandardHelpOptions = true,
        description = "SpecWorld learnability against training budget: trains the demo's base student once and, at each checkpoint, "
                + "measures train-split and held-out general-task accuracy, held-out decoding (rot13, word reversal, Pig Latin) "
                + "exact match and train/val loss.")
final class BenchLearnabilityCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "small", description = "Demo preset whose data sizes, batch and learning rate are used (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--seed", defaultValue = "1", description = "World and initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--hidden", defaultValue = "0", description = "Student width (default: the preset's); the MLP width scales with it.")
    int hidden;

    @Option(names = "--layers", defaultValue = "0", description = "Student depth (default: the preset's).")
    int layers;

    @Option(names = "--steps", split = ",", paramLabel = "N,N,...", defaultValue = "375,750,1500,3000,6000",
            description = "Steps to evaluate at; the largest is the training budget (default: ${DEFAULT-VALUE}).")
    List<Integer> steps;

    @Option(names = "--general-eval", defaultValue = "120", description = "General tasks evaluated per split (default: ${DEFAULT-VALUE}).")
    int generalEval;

    @Option(names = "--decoding", defaultValue = "40", description = "Held-out decoding checks per family (default: ${DEFAULT-VALUE}).")
    int decoding;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the tokenizer, step checkpoints and points.jsonl.")
    Path out;

    @Override
    public Integer call() throws Exception {
        DemoPreset p;
        try {
            p = DemoPreset.named(preset);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        LearnabilityBench.Config cfg;
        try {
            cfg = new LearnabilityBench.Config(p, seed, hidden, layers, steps, generalEval, decoding, out);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        LearnabilityBench.run(cfg, System.out);
        return 0;
    }
}
