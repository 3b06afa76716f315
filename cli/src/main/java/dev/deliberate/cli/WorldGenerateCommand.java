package dev.deliberate.cli;

import dev.deliberate.align.world.Lexicon;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.world.WorldData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate SpecWorld's labelled prompts: per spec category harmful-operational, educational and benign "
                + "look-alike prompts, plus general tasks with gold answers. Writes train.jsonl, test.jsonl and "
                + "world.json; test prompts use unseen templates and topics. The same seed gives the same files.")
final class WorldGenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @picocli.CommandLine.Mixin
    RunFileOption runFile;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (created if needed).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--per-cell", defaultValue = "" + SpecWorld.Config.DEFAULT_PER_CELL, paramLabel = "N",
            description = "Prompts per category × intent, both splits (default: ${DEFAULT-VALUE}).")
    int perCell;

    @Option(names = "--general-per-kind", paramLabel = "N", description = "General tasks per kind (capital, export, arithmetic, reasoning); default: --per-cell.")
    Integer generalPerKind;

    @Option(names = "--test-fraction", defaultValue = "0.25", description = "Share of each cell in the test split (default: ${DEFAULT-VALUE}).")
    double testFraction;

    @Option(names = "--spec", paramLabel = "FILE", description = "Label with this spec instead of the built-in one (it needs SpecWorld's category ids and intent tags).")
    Path specFile;

    @Override
    public Integer call() {
        runFile.apply();
        RunFileOption.require(out, "--out", "the output folder");
        SpecWorld.Config config;
        try {
            config = new SpecWorld.Config(seed, perCell, generalPerKind == null ? perCell : generalPerKind, testFraction);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        SpecWorld world;
        try {
            world = new SpecWorld(SpecFiles.load(specFile), Lexicon.builtin());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        var err = cmd.commandLine().getErr();
        SpecWorld.World w;
        try (var bar = Progress.start(err, "specworld", world.total(config), "prompts")) {
            w = world.generate(config, bar::stepTo);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        try {
            WorldData.write(out, w);
        } catch (IOException e) {
            throw new UserError("cannot write " + out + ": " + e.getMessage());
        }
        var o = cmd.commandLine().getOut();
        o.print(w.summary());
        o.printf("wrote %s, %s and %s (seed %d, spec %s)%n", out.resolve("train.jsonl"), out.resolve("test.jsonl"),
                out.resolve(WorldData.MANIFEST), seed, w.specHash());
        o.flush();
        return 0;
    }
}
