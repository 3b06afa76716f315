package dev.deliberate.align.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.data.Jsonl;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.judge.Decision;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.judge.Visibility;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.world.LabelledPrompt;
import dev.deliberate.engine.generate.Generation;
import dev.deliberate.engine.generate.Generator;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.train.AdamW;
import dev.deliberate.engine.train.DpoLoss;
import dev.deliberate.engine.train.GrpoLoss;
import dev.deliberate.engine.train.LrSchedule;
import dev.deliberate.engine.train.Objective;
import dev.deliberate.engine.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The demo's three training loops over the engine's {@link Trainer}: SFT with the prompt masked, DPO against a
 * frozen reference, and GRPO with the judge's answer-only reward. Each logs one {@code metrics.jsonl} line per step
 * under TRL's names (docs/runs.md). Every branch gets the same {@link Schedule} for the same kind of stage.
 */
final class StudentTrainer {
    private StudentTrainer() {}

    /** A prompt and the response to learn (SFT) — token ids, the response closed by {@code <|im_end|>}. */
    record Example(int[] prompt, int[] response) {
        int length() {
            return prompt.length + response.length;
        }
    }

    /** A preference pair: one prompt, the preferred and the dispreferred response. */
    record Pair(int[] prompt, int[] chosen, int[] rejected) {
        int length() {
            return prompt.length + Math.max(chosen.length, rejected.length);
        }
    }

    /**
     * @param steps     optimizer steps
     * @param batchSize sequences (SFT), pairs (DPO) or prompts (RL) per step
     * @param lr        peak learning rate (warmup over the first tenth, cosine to a tenth)
     */
    record Schedule(int steps, int batchSize, double lr, long seed) {
        LrSchedule lrSchedule() {
            return new LrSchedule(lr, Math.max(1, steps / 10), steps, 0.1);
        }
    }

    /** Appends one JSON line per logged step to {@code metrics.jsonl}. */
    static final class MetricsLog {
        private final Path file;

        MetricsLog(Path file) {
            this.file = file;
            try {
                Files.deleteIfExists(file); // a stage that did not finish starts over
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void log(int step, String split, Map<String, Double> values) {
            ObjectNode n = Jsonl.MAPPER.createObjectNode();
            n.put("step", step).put("split", split);
            values.forEach((k, v) -> {
                if (v != null && Double.isFinite(v)) n.put(k, v);
            });
            try {
                Files.writeString(file, Jsonl.MAPPER.writeValueAsString(n) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private static Trainer trainer(Transformer model, Schedule s) {
        return new Trainer(model, new AdamW(model, AdamW.Config.defaults(0.1)), s.lrSchedule(), 1.0);
    }

    private static Map<String, Double> common(Trainer.StepStats st, double epoch) {
        var m = new TreeMap<String, Double>();
        m.put("loss", st.loss());
        m.put("learning_rate", st.lr());
        m.put("grad_norm", st.gradNorm());
        m.put("tokens_per_second", st.tokensPerSecond());
        m.put("epoch", epoch);
        return m;
    }

    /** SFT: cross-entropy on the response tokens only; batches drawn with replacement. Returns the last loss. */
    static double sft(Transformer model, List<Example> data, Schedule s, MetricsLog log, ProgressListener progress, String stage) {
        if (data.isEmpty()) throw new IllegalArgumentException(stage + ": no training examples");
        var trainer = trainer(model, s);
        var rnd = new SplittableRandom(s.seed());
        double last = Double.NaN;
        for (int step = 0; step < s.steps(); step++) {
            var seqs = new ArrayList<int[]>();
            int[] promptLengths = new int[s.batchSize()];
            int longest = 1;
            for (int b = 0; b < s.batchSize(); b++) {
                Example e = data.get(rnd.nextInt(data.size()));
                seqs.add(StudentTokens.concat(e.prompt(), e.response()));
                promptLengths[b] = e.prompt().length;
                longest = Math.max(longest, e.length());
            }
            var st = trainer.step(List.of(Batch.of(seqs, promptLengths, longest)), Objective.crossEntropy());
            last = st.loss();
            log.log(st.step(), "train", common(st, (double) (step + 1) * s.batchSize() / data.size()));
            progress.progress(stage, step + 1, s.steps());
        }
        return last;
    }

    /** DPO (Rafailov et al. eq. 7) against {@code reference}, with TRL's reward metrics on train and validation pairs. */
    static Map<String, Double> dpo(Transformer model, Transformer reference, List<Pair> train, List<Pair> val, double beta, Schedule s,
                                   MetricsLog log, ProgressListener progress, String stage) {
        if (train.isEmpty()) throw new IllegalArgumentException(stage + ": no preference pairs");
        var loss = DpoLoss.standard(beta);
        var trainer = trainer(model, s);
        var rnd = new SplittableRandom(s.seed());
        Map<Pair, double[]> refCache = new java.util.IdentityHashMap<>();
        Map<String, Double> lastTrain = Map.of();
        int evalEvery = Math.max(1, s.steps() / 5);
        for (int step = 0; step < s.steps(); step++) {
            var pairs = new ArrayList<Pair>();
            for (int b = 0; b < s.batchSize(); b++) pairs.add(train.get(rnd.nextInt(train.size())));
            Batch batch = pairBatch(pairs);
            double[] ref = referenceLogps(reference, pairs, batch, refCache);
            var stats = new DpoStats();
            var st = trainer.step(List.of(batch), (bt, logp, dLogp, total, micro) -> {
                double[] pol = bt.sumPerSequence(logp);
                double[] coef = new double[bt.size()];
                int n = pairs.size();
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    var r = loss.compute(pol[i], pol[n + i], ref[i], ref[n + i], pairs.get(i).chosen().length);
                    coef[i] = r.dPolicyChosen() / n;
                    coef[n + i] = r.dPolicyRejected() / n;
                    sum += r.loss();
                    stats.add(r, pol[i], pol[n + i]);
                }
                bt.spreadPerSequence(coef, dLogp);
                return sum / n;
            });
            var m = common(st, (double) (step + 1) * s.batchSize() / train.size());
            m.putAll(stats.metrics());
            lastTrain = m;
            log.log(st.step(), "train", m);
            if (!val.isEmpty() && ((step + 1) % evalEvery == 0 || step + 1 == s.steps())) log.log(st.step(), "eval", dpoEval(model, reference, val, loss));
            progress.progress(stage, step + 1, s.steps());
        }
        return lastTrain;
    }

    private static Batch pairBatch(List<Pair> pairs) {
        var seqs = new ArrayList<int[]>();
        int n = pairs.size();
        int[] promptLengths = new int[2 * n];
        int longest = 1;
        for (int side = 0; side < 2; side++)
            for (int i = 0; i < n; i++) {
                Pair p = pairs.get(i);
                seqs.add(StudentTokens.concat(p.prompt(), side == 0 ? p.chosen() : p.rejected()));
                promptLengths[side * n + i] = p.prompt().length;
                longest = Math.max(longest, p.length());
            }
        return Batch.of(seqs, promptLengths, longest);
    }

    /** Reference log-probs of each pair (chosen first, then rejected), computed once per pair. */
    private static double[] referenceLogps(Transformer reference, List<Pair> pairs, Batch batch, Map<Pair, double[]> cache) {
        int n = pairs.size();
        boolean all = pairs.stream().allMatch(cache::containsKey);
        if (!all) {
            double[] ref = reference.sequenceLogProbs(batch, null);
            for (int i = 0; i < n; i++) cache.put(pairs.get(i), new double[]{ref[i], ref[n + i]});
        }
        double[] out = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double[] r = cache.get(pairs.get(i));
            out[i] = r[0];
            out[n + i] = r[1];
        }
        return out;
    }

    private static Map<String, Double> dpoEval(Transformer model, Transformer reference, List<Pair> val, DpoLoss loss) {
        var stats = new DpoStats();
        double sum = 0;
        for (int from = 0; from < val.size(); from += 8) {
            var pairs = val.subList(from, Math.min(val.size(), from + 8));
            Batch batch = pairBatch(pairs);
            double[] pol = model.sequenceLogProbs(batch, null), ref = reference.sequenceLogProbs(batch, null);
            int n = pairs.size();
            for (int i = 0; i < n; i++) {
                var r = loss.compute(pol[i], pol[n + i], ref[i], ref[n + i], pairs.get(i).chosen().length);
                sum += r.loss();
                stats.add(r, pol[i], pol[n + i]);
            }
        }
        var m = stats.metrics();
        m.put("loss", sum / val.size());
        return m;
    }

    /** Means of TRL's DPO metrics over a batch. */
    private static final class DpoStats {
        double chosen, rejected, margins, accuracies, logpChosen, logpRejected;
        int n;

        void add(DpoLoss.Result r, double policyChosen, double policyRejected) {
            chosen += r.rewardChosen();
            rejected += r.rewardRejected();
            margins += r.margin();
            accuracies += r.correct() ? 1 : 0;
            logpChosen += policyChosen;
            logpRejected += policyRejected;
            n++;
        }

        Map<String, Double> metrics() {
            var m = new TreeMap<String, Double>();
            double k = Math.max(1, n);
            m.put("rewards/chosen", chosen / k);
            m.put("rewards/rejected", rejected / k);
            m.put("rewards/margins", margins / k);
            m.put("rewards/accuracies", accuracies / k);
            m.put("logps/chosen", logpChosen / k);
            m.put("logps/rejected", logpRejected / k);
            return m;
        }
    }

    /**
     * @param group       samples per prompt (GRPO's G)
     * @param maxTokens   generation cap per sample
     * @param temperature sampling temperature of the on-policy samples
     */
    record RlSettings(int group, int maxTokens, double temperature, GrpoLoss loss) {}

    /**
     * GRPO-style RL (Deliberative Alignment §2.3): on-policy samples, reward = the judge's score of the <em>answer
     * only</em>, group-normalised advantages, per-token KL to {@code reference}, one update per sampled batch (so the
     * sampling policy is the current one and the clip guards that update). Returns the mean reward of the last step.
     */
    static double rl(Transformer model, Transformer reference, StudentTokens tokens, List<LabelledPrompt> prompts, Judge judge,
                     RlSettings rs, Schedule s, MetricsLog log, ProgressListener progress, String stage) {
        if (prompts.isEmpty()) throw new IllegalArgumentException(stage + ": no prompts");
        var trainer = trainer(model, s);
        var rnd = new SplittableRandom(s.seed());
        double lastReward = Double.NaN;
        for (int step = 0; step < s.steps(); step++) {
            var chosen = new ArrayList<LabelledPrompt>();
            var promptIds = new ArrayList<int[]>();
            for (int b = 0; b < s.batchSize(); b++) {
                LabelledPrompt p = prompts.get(rnd.nextInt(prompts.size()));
                chosen.add(p);
                promptIds.add(tokens.prompt(List.of(Message.user(p.prompt()))));
            }
            int room = model.config().maxPositionEmbeddings() - promptIds.stream().mapToInt(p -> p.length).max().orElse(0);
            var sp = new dev.deliberate.engine.generate.SamplingParams(rs.temperature(), 0, 1, Math.max(1, Math.min(rs.maxTokens(), room)),
                    s.seed() * 1_000_003L + step * 64L, List.of(tokens.endOfTurn()), List.of());
            List<List<Generation>> gens = Generator.generate(model, promptIds, sp, rs.group(), tokens::decodeRaw);

            var seqs = new ArrayList<int[]>();
            var promptLengths = new ArrayList<Integer>();
            var oldLogps = new ArrayList<float[]>();
            var advantages = new ArrayList<Double>();
            double rewardSum = 0, rewardSq = 0, lengthSum = 0;
            int count = 0;
            var decisions = new TreeMap<String, Double>(Map.of("judge/refused", 0.0, "judge/safe_completed", 0.0, "judge/complied", 0.0, "judge/leaked", 0.0));
            for (int b = 0; b < chosen.size(); b++) {
                double[] rewards = new double[rs.group()];
                for (int g = 0; g < rs.group(); g++) {
                    Generation gen = gens.get(b).get(g);
                    Completion c = tokens.completion(gen, promptIds.get(b).length);
                    Verdict v = judge.judge(chosen.get(b), c, Visibility.ANSWER_ONLY);
                    rewards[g] = v.score();
                    rewardSum += v.score();
                    rewardSq += v.score() * v.score();
                    lengthSum += gen.tokens().length;
                    count++;
                    if (v.decision() != null) decisions.merge(switch (v.decision()) {
                        case REFUSED -> "judge/refused";
                        case SAFE_COMPLETED -> "judge/safe_completed";
                        case COMPLIED -> "judge/complied";
                    }, 1.0, Double::sum);
                    if (v.checks() != null && v.checks().hazardLeaked()) decisions.merge("judge/leaked", 1.0, Double::sum);
                }
                double[] adv = GrpoLoss.groupAdvantages(rewards);
                for (int g = 0; g < rs.group(); g++) {
                    Generation gen = gens.get(b).get(g);
                    if (gen.tokens().length == 0) continue;
                    seqs.add(StudentTokens.concat(promptIds.get(b), gen.tokens()));
                    promptLengths.add(promptIds.get(b).length);
                    oldLogps.add(gen.logProbs());
                    advantages.add(adv[g]);
                }
            }
            double meanReward = rewardSum / count;
            var m = new TreeMap<String, Double>();
            m.put("reward", meanReward);
            m.put("reward_std", Math.sqrt(Math.max(0, rewardSq / count - meanReward * meanReward)));
            m.put("completion_length", lengthSum / count);
            for (var e : decisions.entrySet()) m.put(e.getKey(), e.getValue() / count);
            lastReward = meanReward;
            if (!seqs.isEmpty()) {
                int longest = seqs.stream().mapToInt(x -> x.length).max().orElse(1);
                Batch batch = Batch.of(seqs, promptLengths.stream().mapToInt(Integer::intValue).toArray(), longest);
                float[] refLogp = reference.forward(batch);
                double[] klAndClip = new double[2];
                var st = trainer.step(List.of(batch), (bt, logp, dLogp, total, micro) -> {
                    java.util.Arrays.fill(dLogp, 0f);
                    double loss = 0;
                    int n = bt.size(), T = bt.seqLen();
                    for (int i = 0; i < n; i++) {
                        int start = promptLengths.get(i) - 1, len = seqs.get(i).length - promptLengths.get(i);
                        double[] lp = new double[len], old = new double[len], ref = new double[len], grad = new double[len];
                        float[] o = oldLogps.get(i);
                        for (int t = 0; t < len; t++) {
                            lp[t] = logp[i * T + start + t];
                            old[t] = o[t];
                            ref[t] = refLogp[i * T + start + t];
                        }
                        var ss = rs.loss().tokenGradients(lp, old, ref, advantages.get(i), 1.0 / n, grad);
                        for (int t = 0; t < len; t++) dLogp[i * T + start + t] = (float) grad[t];
                        loss += ss.loss() / n;
                        klAndClip[0] += ss.meanKl() / n;
                        klAndClip[1] += ss.clippedFraction() / n;
                    }
                    return loss;
                });
                m.putAll(common(st, (double) (step + 1) * s.batchSize() / prompts.size()));
                m.put("kl", klAndClip[0]);
                m.put("clip_ratio", klAndClip[1]);
                log.log(st.step(), "train", m);
            } else {
                log.log(step + 1, "train", m);
            }
            progress.progress(stage, step + 1, s.steps());
        }
        return lastReward;
    }
}
