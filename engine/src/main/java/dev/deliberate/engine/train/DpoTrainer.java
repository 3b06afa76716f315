package dev.deliberate.engine.train;

import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Direct Preference Optimisation (TRL's {@code DPOTrainer}) with {@link DpoLoss} on summed response log-probs. The
 * reference is the model as given: its log-probs of every chosen and rejected response (train and validation) are
 * computed once, before the first step, so no second model is kept in memory. A micro-batch holds whole pairs
 * (chosen, rejected, chosen, …) so each pair's loss sees both of its log-probs. With LoRA the reference is the
 * same weights with the adapters switched off (TRL + PEFT's {@code disable_adapter()}), so no copy is kept either.
 */
public final class DpoTrainer implements TrainLoop.Method {
    private final Transformer model;
    private final TrainConfig cfg;
    private final DpoLoss loss;
    private final List<PreferenceExample> train, val;
    private final double[][] refTrain, refVal; // [pair] → {chosen, rejected}

    /** Computes the reference log-probs with {@code reference} (usually the policy itself, before training). */
    public DpoTrainer(Transformer model, Transformer reference, TrainConfig cfg, DpoLoss loss,
                      List<PreferenceExample> train, List<PreferenceExample> val) {
        if (train.isEmpty()) throw new IllegalArgumentException("no preference pairs");
        this.model = model;
        this.cfg = cfg;
        this.loss = loss;
        this.train = List.copyOf(train);
        this.val = List.copyOf(val);
        this.refTrain = reference.withoutAdapters(() -> logProbs(reference, this.train, cfg.microBatchSize()));
        this.refVal = reference.withoutAdapters(() -> logProbs(reference, this.val, cfg.microBatchSize()));
    }

    /** Trains {@code model} in place against its own frozen starting point. */
    public static TrainLoop.Summary train(TrainConfig cfg, DpoLoss loss, Transformer model, List<PreferenceExample> train,
                                          List<PreferenceExample> val, TrainLoop.Options opt) {
        return TrainLoop.run(model, new DpoTrainer(model, model, cfg, loss, train, val), cfg, opt);
    }

    @Override
    public String name() {
        return "dpo";
    }

    @Override
    public int totalSteps() {
        return cfg.totalSteps(train.size());
    }

    @Override
    public String fingerprint() {
        var seqs = new ArrayList<int[]>();
        for (var p : train) {
            seqs.add(p.chosenExample().ids());
            seqs.add(p.rejectedExample().ids());
        }
        return SftTrainer.fingerprintOf(seqs, cfg) + "/beta" + loss.beta() + "/sft" + loss.sftWeight();
    }

    @Override
    public double epoch(int stepsDone) {
        return (double) stepsDone / Batches.stepsPerEpoch(train.size(), cfg.batchSize());
    }

    static Batch pairBatch(List<PreferenceExample> pairs, int[] idx) {
        var ex = new ArrayList<TokenizedExample>();
        for (int i : idx) {
            ex.add(pairs.get(i).chosenExample());
            ex.add(pairs.get(i).rejectedExample());
        }
        return Batches.of(ex);
    }

    static double[][] logProbs(Transformer m, List<PreferenceExample> pairs, int micro) {
        double[][] out = new double[pairs.size()][];
        int[] all = new int[pairs.size()];
        Arrays.setAll(all, i -> i);
        for (int[] g : Batches.byLength(all, micro, i -> pairs.get(i).length())) {
            double[] s = m.sequenceLogProbs(pairBatch(pairs, g), null);
            for (int k = 0; k < g.length; k++) out[g[k]] = new double[]{s[2 * k], s[2 * k + 1]};
        }
        return out;
    }

    /** Sums of the TRL metrics over pairs. */
    private static final class Tally {
        double loss, chosen, rejected, correct, logpChosen, logpRejected;
        int n;

        void add(DpoLoss.Result r, double lpc, double lpr) {
            loss += r.loss();
            chosen += r.rewardChosen();
            rejected += r.rewardRejected();
            correct += r.correct() ? 1 : 0;
            logpChosen += lpc;
            logpRejected += lpr;
            n++;
        }

        Map<String, Double> metrics(boolean withLoss) {
            var m = new LinkedHashMap<String, Double>();
            if (withLoss) m.put("loss", loss / n);
            m.put("rewards/chosen", chosen / n);
            m.put("rewards/rejected", rejected / n);
            m.put("rewards/margins", (chosen - rejected) / n);
            m.put("rewards/accuracies", correct / n);
            m.put("logps/chosen", logpChosen / n);
            m.put("logps/rejected", logpRejected / n);
            return m;
        }
    }

    @Override
    public TrainLoop.Step step(int step, Trainer trainer) {
        int[] idx = Batches.stepIndices(train.size(), cfg.batchSize(), cfg.seed(), step);
        var groups = Batches.byLength(idx, cfg.microBatchSize(), i -> train.get(i).length());
        var byBatch = new IdentityHashMap<Batch, int[]>();
        var micro = new ArrayList<Batch>();
        for (int[] g : groups) {
            Batch b = pairBatch(train, g);
            byBatch.put(b, g);
            micro.add(b);
        }
        var tally = new Tally();
        int pairs = idx.length;
        Objective dpo = (batch, logp, dLogp, totalTargets, microBatches) -> {
            int[] g = byBatch.get(batch);
            double[] pi = batch.sumPerSequence(logp);
            double[] coef = new double[batch.size()];
            double l = 0;
            for (int k = 0; k < g.length; k++) {
                var p = train.get(g[k]);
                var r = loss.compute(pi[2 * k], pi[2 * k + 1], refTrain[g[k]][0], refTrain[g[k]][1], p.chosen().length);
                tally.add(r, pi[2 * k], pi[2 * k + 1]);
                coef[2 * k] = r.dPolicyChosen() / pairs;
                coef[2 * k + 1] = r.dPolicyRejected() / pairs;
                l += r.loss() / pairs;
            }
            batch.spreadPerSequence(coef, dLogp);
            return l;
        };
        var stats = trainer.step(micro, dpo);
        return new TrainLoop.Step(stats, tally.metrics(false));
    }

    @Override
    public Map<String, Double> evaluate() {
        if (val.isEmpty()) return Map.of();
        double[][] pi = logProbs(model, val, cfg.microBatchSize());
        var tally = new Tally();
        for (int i = 0; i < val.size(); i++)
            tally.add(loss.compute(pi[i][0], pi[i][1], refVal[i][0], refVal[i][1], val.get(i).chosen().length), pi[i][0], pi[i][1]);
        return tally.metrics(true);
    }

    /** The TRL metrics of the current model on {@code pairs} against the reference log-probs computed at the start (train pairs). */
    public Map<String, Double> evaluateTrainPairs() {
        double[][] pi = logProbs(model, train, cfg.microBatchSize());
        var tally = new Tally();
        for (int i = 0; i < train.size(); i++)
            tally.add(loss.compute(pi[i][0], pi[i][1], refTrain[i][0], refTrain[i][1], train.get(i).chosen().length), pi[i][0], pi[i][1]);
        return tally.metrics(true);
    }
}
