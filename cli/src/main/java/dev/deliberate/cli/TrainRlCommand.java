package dev.deliberate.cli;

import dev.deliberate.align.data.Turn;
import dev.deliberate.align.training.ChatExamples;
import dev.deliberate.align.deliberative.JudgeReward;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.world.WorldData;
import dev.deliberate.engine.generate.SamplingParams;
import dev.deliberate.engine.train.GrpoLoss;
import dev.deliberate.engine.train.RlTrainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "rl", mixinStandardHelpOptions = true,
        description = {"On-policy GRPO with the judge's reward on the ANSWER ONLY (the chain of thought never reaches it):",
                "G samples per prompt, group-normalised advantages, clipping, a KL penalty to the frozen starting model.",
                "Logs reward, reward_std, kl, clip_ratio, completion_length and judge/* label rates per step."})
final class TrainRlCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Mixin
    TrainOptions train;

    @Mixin
    RunFileOption runFile;

    @Option(names = "--prompts", defaultValue = "specworld", paramLabel = "FILE|specworld",
            description = "Labelled prompts (JSONL as 'world generate' writes), or SpecWorld's train split (default).")
    String prompts;

    @Option(names = "--val", paramLabel = "FILE|specworld", description = "Held-out labelled prompts, scored greedily at each eval ('specworld': the test split).")
    String val;

    @Option(names = "--val-limit", defaultValue = "64", description = "Score at most this many held-out prompts per eval (default: ${DEFAULT-VALUE}).")
    int valLimit;

    @Option(names = "--world-seed", defaultValue = "1", description = "Seed of the SpecWorld prompts (default: ${DEFAULT-VALUE}).")
    long worldSeed;

    @Option(names = "--model", paramLabel = "DIR", description = "The SFT model: trained, and also the frozen KL reference.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer folder (default: the --model folder).")
    Path tokenizerDir;

    @Option(names = "--judge", defaultValue = "world:judge", paramLabel = "REF", description = "Reward judge (default: ${DEFAULT-VALUE}).")
    String judgeRef;

    @Option(names = "--group", defaultValue = "8", description = "Samples per prompt, G (default: ${DEFAULT-VALUE}).")
    int group;

    @Option(names = "--kl-beta", defaultValue = "0.04", description = "KL penalty weight β (default: ${DEFAULT-VALUE}).")
    double klBeta;

    @Option(names = "--clip", defaultValue = "0.2", description = "PPO clip ε (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "Completion length cap (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Override
    public Integer call() throws IOException {
        runFile.apply();
        RunFileOption.require(train.out, "--out", "the run folder (created; rerun into it to resume)");
        RunFileOption.require(model, "--model", "the SFT model to train");
        if (TrainRun.alreadyFinished(train, cmd.commandLine().getErr())) return 0;
        Path tokDir = tokenizerDir != null ? tokenizerDir : LoraRun.tokenizerDir(model);
        var tok = TrainRun.loadTokenizer(tokDir);
        var ex = new ChatExamples(tok, TrainRun.template(tok, tokDir), train.maxSeqLen);
        var trainPrompts = train.limited(load(prompts, SpecWorld.TRAIN));
        var valPrompts = val == null ? List.<LabelledPrompt>of() : load(val, SpecWorld.TEST);
        if (valPrompts.size() > valLimit) valPrompts = valPrompts.subList(0, valLimit);
        var judge = openJudge();
        RlTrainer.Settings settings;
        try {
            var sampling = SamplingParams.sample(temperature, 0, 1.0, maxNewTokens, train.seed)
                    .withStops(List.of(tok.specialTokens().eos()), List.of());
            settings = new RlTrainer.Settings(group, sampling, new GrpoLoss(clip, klBeta));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        var policy = LoraRun.load(model, train);
        // with --lora the KL reference is the policy itself with its adapter off: no second copy in memory
        var reference = policy.lora() != null ? policy : LoraRun.load(model, withoutLora(train));
        var cfgMap = new LinkedHashMap<String, Object>();
        cfgMap.put("prompts", prompts);
        cfgMap.put("val", val);
        cfgMap.put("val_limit", valLimit);
        cfgMap.put("world_seed", worldSeed);
        cfgMap.put("model", model.toString());
        cfgMap.put("tokenizer", tokDir.toString());
        cfgMap.put("judge", judge.id());
        cfgMap.put("judge_visibility", "answer-only");
        cfgMap.put("group", group);
        cfgMap.put("kl_beta", klBeta);
        cfgMap.put("clip", clip);
        cfgMap.put("temperature", temperature);
        cfgMap.put("max_new_tokens", maxNewTokens);
        var cfg = train.config();
        try (var run = TrainRun.open(train, "train rl", cfgMap, cmd.commandLine().getErr())) {
            var summary = RlTrainer.train(cfg, settings, policy, reference, trainPrompts, valPrompts,
                    p -> ex.prompt(List.of(new Turn("user", p.prompt()))), new JudgeReward(judge, tok), null, run.loopOptions("rl"));
            run.finish(policy, tokDir, summary, Map.of("prompts", trainPrompts.size(), "val_prompts", valPrompts.size()));
        }
        return 0;
    }

    private dev.deliberate.align.judge.Judge openJudge() {
        try {
            // world:judge, or a spec-aware LLM judge behind any model reference; the reward shows it the answer only
            return Judges.open(judgeRef, Spec.defaultSpec(), ChatModels.OpenOptions.defaults());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private List<LabelledPrompt> load(String ref, String split) throws IOException {
        if (ref.equals("specworld")) return SpecWorld.builtin().generate(SpecWorld.Config.defaults(worldSeed)).split(split);
        Path f = Path.of(ref);
        if (!java.nio.file.Files.isRegularFile(f)) throw new UserError("no prompt file " + ref + " (give a JSONL of labelled prompts, or 'specworld')");
        try {
            return WorldData.read(f);
        } catch (RuntimeException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The same loop options with no adapter (a full-weight reference). */
    private static TrainOptions withoutLora(TrainOptions o) {
        var ref = new TrainOptions();
        ref.seed = o.seed;
        ref.logitBlockRows = o.logitBlockRows;
        return ref;
    }
}
