package dev.deliberate.engine.train;

import dev.deliberate.engine.generate.Detokenizer;
import dev.deliberate.engine.generate.Generation;
import dev.deliberate.engine.generate.Generator;
import dev.deliberate.engine.generate.SamplingParams;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * On-policy GRPO (TRL's {@code GRPOTrainer} with one optimisation pass per generation batch): each step samples a
 * group of G completions per prompt from the current policy, scores them with a {@link Reward}, normalises the
 * rewards within each group into advantages, and takes one optimizer step on {@link GrpoLoss} with the sampling-time
 * log-probs as π_old and the frozen reference's per-token log-probs for the KL term.
 *
 * @param <P> the caller's prompt type (it carries whatever the reward needs, e.g. labels)
 */
public final class RlTrainer<P> implements TrainLoop.Method {

    /** Scores completions; knows nothing of how they were made. */
    @FunctionalInterface
    public interface Reward<P> {
        /** One score per generation of {@code group}, in order. */
        List<Scored> score(P prompt, List<Generation> group);
    }

    /**
     * @param reward in whatever range the reward uses (a judge: [0, 1])
     * @param labels categories, each counted as a rate under its own metric name (e.g. {@code judge/refused})
     */
    public record Scored(double reward, List<String> labels) {
        public Scored {
            labels = List.copyOf(labels);
        }
    }

    /**
     * @param group    completions per prompt (G)
     * @param sampling how to sample (temperature 1 keeps π_old the sampling distribution); eos ids set
     */
    public record Settings(int group, SamplingParams sampling, GrpoLoss loss) {
        public Settings {
            if (group < 2) throw new IllegalArgumentException("GRPO needs a group of at least 2 samples per prompt, got " + group);
        }
    }

    private final Transformer model, reference;
    private final TrainConfig cfg;
    private final Settings settings;
    private final List<P> train, val;
    private final Function<P, int[]> tokens;
    private final Reward<P> reward;
    private final Detokenizer detokenizer;

    public RlTrainer(Transformer model, Transformer reference, TrainConfig cfg, Settings settings, List<P> train, List<P> val,
                     Function<P, int[]> tokens, Reward<P> reward, Detokenizer detokenizer) {
        if (train.isEmpty()) throw new IllegalArgumentException("no RL prompts");
        if (model == reference && model.lora() == null)
            throw new IllegalArgumentException("the KL reference must be a separate, frozen copy of the model (or, with LoRA, the model itself: its adapters switched off)");
        this.model = model;
        this.reference = reference;
        this.cfg = cfg;
        this.settings = settings;
        this.train = List.copyOf(train);
        this.val = List.copyOf(val);
        this.tokens = tokens;
        this.reward = reward;
        this.detokenizer = detokenizer;
    }

    public static <P> TrainLoop.Summary train(TrainConfig cfg, Settings settings, Transformer model, Transformer reference,
                                              List<P> train, List<P> val, Function<P, int[]> tokens, Reward<P> reward,
                                              Detokenizer detokenizer, TrainLoop.Options opt) {
        return TrainLoop.run(model, new RlTrainer<>(model, reference, cfg, settings, train, val, tokens, reward, detokenizer), cfg, opt);
    }

    @Override
    public String name() {
        return "rl";
    }

    @Override
    public int totalSteps() {
        return cfg.totalSteps(train.size());
    }

    @Override
    public String fingerprint() {
        return SftTrainer.fingerprintOf(train.stream().map(tokens).toList(), cfg) + "/g" + settings.group()
                + "/kl" + settings.loss().klBeta() + "/clip" + settings.loss().clipEpsilon() + "/t" + settings.sampling().temperature();
    }

    @Override
    public double epoch(int stepsDone) {
        return (double) stepsDone / Batches.stepsPerEpoch(train.size(), cfg.batchSize());
    }

    /** One sampled completion in the step's batch. */
    private record Sample(int[] prompt, Generation gen, double advantage) {
        TokenizedExample example() {
            return TokenizedExample.prompted(prompt, gen.tokens());
        }
    }

    @Override
    public TrainLoop.Step step(int step, Trainer trainer) {
        int[] idx = Batches.stepIndices(train.size(), cfg.batchSize(), cfg.seed(), step);
        var prompts = new ArrayList<int[]>();
        for (int i : idx) prompts.add(tokens.apply(train.get(i)));
        long seed = cfg.seed() * 0x9E3779B97F4A7C15L + step * 1_000_003L;
        var groups = Generator.generate(model, prompts, settings.sampling().withSeed(seed), settings.group(), detokenizer);

        var samples = new ArrayList<Sample>();
        var labels = new TreeMap<String, Integer>();
        double rewardSum = 0, stdSum = 0, lengthSum = 0;
        for (int p = 0; p < idx.length; p++) {
            List<Generation> group = groups.get(p);
            List<Scored> scored = reward.score(train.get(idx[p]), group);
            if (scored.size() != group.size())
                throw new IllegalStateException("the reward scored " + scored.size() + " of " + group.size() + " completions");
            double[] r = new double[group.size()];
            for (int k = 0; k < r.length; k++) {
                r[k] = scored.get(k).reward();
                rewardSum += r[k];
                for (String l : scored.get(k).labels()) labels.merge(l, 1, Integer::sum);
                lengthSum += group.get(k).tokens().length;
            }
            stdSum += GrpoLoss.populationStd(r);
            double[] adv = GrpoLoss.groupAdvantages(r); // DeepSeekMath eq. 3 (outcome supervision)
            for (int k = 0; k < r.length; k++) samples.add(new Sample(prompts.get(p), group.get(k), adv[k]));
        }

        int[] all = new int[samples.size()];
        Arrays.setAll(all, i -> i);
        var byBatch = new IdentityHashMap<Batch, int[]>();
        var refLogp = new IdentityHashMap<Batch, float[]>();
        var micro = new ArrayList<Batch>();
        for (int[] g : Batches.byLength(all, cfg.microBatchSize(), i -> samples.get(i).example().length())) {
            Batch b = Batches.of(Arrays.stream(g).mapToObj(i -> samples.get(i).example()).toList());
            byBatch.put(b, g);
            // with LoRA the reference is the policy's own frozen base: the same weights, adapters off
            refLogp.put(b, reference.withoutAdapters(() -> reference.tokenLogProbs(b)));
            micro.add(b);
        }
        int n = samples.size();
        double[] klSum = {0}, clipSum = {0};
        Objective grpo = (batch, logp, dLogp, totalTargets, microBatches) -> {
            Arrays.fill(dLogp, 0, batch.rows(), 0f);
            int[] g = byBatch.get(batch);
            float[] ref = refLogp.get(batch);
            double loss = 0;
            for (int k = 0; k < g.length; k++) {
                Sample s = samples.get(g[k]);
                int len = s.gen().tokens().length, first = k * batch.seqLen() + s.prompt().length - 1;
                double[] lp = new double[len], old = new double[len], rf = new double[len], grad = new double[len];
                for (int t = 0; t < len; t++) {
                    lp[t] = logp[first + t];
                    old[t] = s.gen().logProbs()[t];
                    rf[t] = ref[first + t];
                }
                var st = settings.loss().tokenGradients(lp, old, rf, s.advantage(), 1.0 / n, grad);
                for (int t = 0; t < len; t++) dLogp[first + t] = (float) grad[t];
                loss += st.loss() / n;
                klSum[0] += st.meanKl();
                clipSum[0] += st.clippedFraction();
            }
            return loss;
        };
        var stats = trainer.step(micro, grpo);
        var m = new LinkedHashMap<String, Double>();
        m.put("reward", rewardSum / n);
        m.put("reward_std", stdSum / idx.length);
        m.put("kl", klSum[0] / n);
        m.put("clip_ratio", clipSum[0] / n);
        m.put("completion_length", lengthSum / n);
        labels.forEach((k, v) -> m.put(k, (double) v / n));
        return new TrainLoop.Step(stats, m);
    }


    /** Greedy completions of the held-out prompts, scored: the mean reward and label rates. */
    @Override
    public Map<String, Double> evaluate() {
        if (val.isEmpty()) return Map.of();
        var prompts = val.stream().map(tokens).toList();
        var sp = settings.sampling();
        var greedy = new SamplingParams(0, 0, 1, sp.maxTokens(), 0, sp.eosIds(), sp.stopStrings());
        var gens = Generator.generate(model, prompts, greedy, 1, detokenizer);
        double sum = 0;
        var labels = new TreeMap<String, Integer>();
        for (int i = 0; i < val.size(); i++) {
            Scored s = reward.score(val.get(i), gens.get(i)).getFirst();
            sum += s.reward();
            for (String l : s.labels()) labels.merge(l, 1, Integer::sum);
        }
        var m = new LinkedHashMap<String, Double>();
        m.put("reward", sum / val.size());
        labels.forEach((k, v) -> m.put(k, (double) v / val.size()));
        return m;
    }
}
