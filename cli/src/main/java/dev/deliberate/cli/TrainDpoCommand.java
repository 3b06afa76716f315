package dev.deliberate.cli;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.training.ChatExamples;
import dev.deliberate.engine.train.DpoLoss;
import dev.deliberate.engine.train.DpoTrainer;
import dev.deliberate.engine.train.TrainLoop;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "dpo", mixinStandardHelpOptions = true,
        description = {"Direct Preference Optimisation on preference pairs against the frozen starting model (its",
                "log-probs computed once); logs rewards/chosen|rejected|margins|accuracies and logps/* on train and --val."})
final class TrainDpoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Mixin
    TrainOptions train;

    @Mixin
    RunFileOption runFile;

    @Option(names = "--data", paramLabel = "FILE", description = "Preference pairs (TRL conversational JSONL, e.g. prefs.jsonl).")
    Path data;

    @Option(names = "--val", paramLabel = "FILE", description = "Held-out pairs (e.g. prefs-val.jsonl).")
    Path val;

    @Option(names = "--model", paramLabel = "DIR", description = "The model to train, also the frozen reference (e.g. the RW/SFT checkpoint; or a PEFT adapter folder, or BASE_DIR+ADAPTER_DIR).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (default: the --model folder).")
    Path tokenizerDir;

    @Option(names = "--beta", defaultValue = "0.1", description = "DPO β (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--sft-weight", defaultValue = "0", description = "α of an SFT term on the chosen response (RPO; default: ${DEFAULT-VALUE}).")
    double sftWeight;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "cDPO label smoothing ε (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Override
    public Integer call() {
        runFile.apply();
        RunFileOption.require(train.out, "--out", "the run folder (created; rerun into it to resume)");
        RunFileOption.require(data, "--data", "preference pairs as JSONL");
        RunFileOption.require(model, "--model", "the model to train");
        if (TrainRun.alreadyFinished(train, cmd.commandLine().getErr())) return 0;
        TrainRun.requireFile(data, "--data", "preference pairs as JSONL");
        TrainRun.requireFile(val, "--val", "preference pairs as JSONL");
        Path tokDir = tokenizerDir != null ? tokenizerDir : LoraRun.tokenizerDir(model);
        var tok = TrainRun.loadTokenizer(tokDir);
        var m = LoraRun.load(model, train); // with --lora the reference is this model with its adapter off
        var ex = new ChatExamples(tok, TrainRun.template(tok, tokDir), train.maxSeqLen);
        var pairs = ex.preferences(train.limited(Jsonl.read(data, PreferenceRecord.class)));
        var valPairs = val == null ? List.<dev.deliberate.engine.train.PreferenceExample>of() : ex.preferences(Jsonl.read(val, PreferenceRecord.class));
        if (pairs.isEmpty()) throw new UserError(data + " holds no preference pairs");
        DpoLoss loss;
        try {
            loss = new DpoLoss(beta, labelSmoothing, sftWeight);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        var settings = new LinkedHashMap<String, Object>();
        settings.put("data", data.toString());
        settings.put("val", val == null ? null : val.toString());
        settings.put("model", model.toString());
        settings.put("tokenizer", tokDir.toString());
        settings.put("beta", beta);
        settings.put("sft_weight", sftWeight);
        settings.put("label_smoothing", labelSmoothing);
        var cfg = train.config();
        try (var run = TrainRun.open(train, "train dpo", settings, cmd.commandLine().getErr())) {
            // reference log-probs from the starting weights, before a resumed state replaces them
            var method = new DpoTrainer(m, m, cfg, loss, pairs, valPairs);
            var summary = TrainLoop.run(m, method, cfg, run.loopOptions("dpo"));
            run.finish(m, tokDir, summary, Map.of("pairs", pairs.size(), "val_pairs", valPairs.size(), "train", method.evaluateTrainPairs()));
        }
        return 0;
    }
}
