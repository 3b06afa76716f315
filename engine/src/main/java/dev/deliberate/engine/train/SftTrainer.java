package dev.deliberate.engine.train;

import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning (TRL's {@code SFTTrainer}): token-level cross-entropy on the learned tokens only — the
 * assistant turns for chat data (completion-only loss), every token for pretraining text — averaged over all the
 * learned tokens of an optimizer step.
 */
public final class SftTrainer implements TrainLoop.Method {
    private final Transformer model;
    private final TrainConfig cfg;
    private final List<TokenizedExample> train, val;

    public SftTrainer(Transformer model, TrainConfig cfg, List<TokenizedExample> train, List<TokenizedExample> val) {
        if (train.isEmpty()) throw new IllegalArgumentException("no training examples");
        for (int i = 0; i < train.size(); i++)
            if (train.get(i).targets() == 0) throw new IllegalArgumentException("training example " + i + " has no learned token");
        this.model = model;
        this.cfg = cfg;
        this.train = List.copyOf(train);
        this.val = List.copyOf(val);
    }

    /** Trains {@code model} in place. */
    public static TrainLoop.Summary train(TrainConfig cfg, Transformer model, List<TokenizedExample> train,
                                          List<TokenizedExample> val, TrainLoop.Options opt) {
        return TrainLoop.run(model, new SftTrainer(model, cfg, train, val), cfg, opt);
    }

    @Override
    public String name() {
        return "sft";
    }

    @Override
    public int totalSteps() {
        return cfg.totalSteps(train.size());
    }

    @Override
    public String fingerprint() {
        return fingerprintOf(train.stream().map(TokenizedExample::ids).toList(), cfg);
    }

    static String fingerprintOf(List<int[]> seqs, TrainConfig cfg) {
        long h = 17;
        for (int[] s : seqs) h = h * 31 + Arrays.hashCode(s);
        return seqs.size() + "x" + Long.toHexString(h) + "/b" + cfg.batchSize() + "/lr" + cfg.lr();
    }

    @Override
    public double epoch(int stepsDone) {
        return (double) stepsDone / Batches.stepsPerEpoch(train.size(), cfg.batchSize());
    }

    @Override
    public TrainLoop.Step step(int step, Trainer trainer) {
        int[] idx = Batches.stepIndices(train.size(), cfg.batchSize(), cfg.seed(), step);
        var micro = new ArrayList<Batch>();
        for (int[] g : Batches.byLength(idx, cfg.microBatchSize(), i -> train.get(i).length()))
            micro.add(Batches.of(Arrays.stream(g).mapToObj(train::get).toList()));
        var stats = trainer.step(micro, Objective.crossEntropy());
        return new TrainLoop.Step(stats, Map.of());
    }

    @Override
    public Map<String, Double> evaluate() {
        if (val.isEmpty()) return Map.of();
        return Map.of("loss", meanLoss(model, val, cfg.microBatchSize()));
    }

    /** Mean cross-entropy per learned token, forward only. */
    public static double meanLoss(Transformer model, List<TokenizedExample> examples, int microBatchSize) {
        double sum = 0;
        long n = 0;
        int[] all = new int[examples.size()];
        Arrays.setAll(all, i -> i);
        for (int[] g : Batches.byLength(all, microBatchSize, i -> examples.get(i).length())) {
            Batch b = Batches.of(Arrays.stream(g).mapToObj(examples::get).toList());
            for (double s : model.sequenceLogProbs(b, null)) sum -= s;
            n += b.targetCount();
        }
        return sum / Math.max(1, n);
    }
}
