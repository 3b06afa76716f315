package dev.deliberate.engine.train;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.generate.SamplingParams;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The shared loop: loss falls, data order is a permutation, and kill + rerun ends bit-identical to one run. */
class TrainLoopTest {

    static Transformer fresh(int vocab) {
        var model = new Transformer(ModelConfig.llama(32, 64, 2, 4, 2, vocab, 64), new CpuBackend());
        model.initialize(7);
        return model;
    }

    /** Sequences of varied length over a small vocabulary with a learnable rule (each token is the previous + 1). */
    static List<TokenizedExample> data(int n) {
        var rnd = new SplittableRandom(3);
        var out = new ArrayList<TokenizedExample>();
        for (int i = 0; i < n; i++) {
            int len = 6 + rnd.nextInt(14), start = rnd.nextInt(20);
            int[] ids = new int[len];
            for (int t = 0; t < len; t++) ids[t] = (start + t) % 24;
            out.add(TokenizedExample.prompted(java.util.Arrays.copyOf(ids, 2), java.util.Arrays.copyOfRange(ids, 2, len)));
        }
        return out;
    }

    static float[] weights(Transformer m) {
        var all = new ArrayList<Float>();
        for (Parameter p : m.parameterList()) {
            float[] v = new float[Math.toIntExact(p.size())];
            m.backend().download(p.value(), 0, v, 0, v.length);
            for (float f : v) all.add(f);
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        return out;
    }

    static List<String> readLines(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static final TrainConfig CFG = TrainConfig.defaults(1e-2).withSteps(3, 0).withBatch(8, 3).withEvery(4, 4);

    @Test
    void everyEpochVisitsEachExampleOnce() {
        var seen = new ArrayList<Integer>();
        for (int s = 0; s < Batches.stepsPerEpoch(21, 8); s++) for (int i : Batches.stepIndices(21, 8, 5, s)) seen.add(i);
        assertEquals(21, seen.size());
        assertEquals(21, seen.stream().distinct().count());
        assertNotEquals(List.of(Batches.stepIndices(21, 8, 5, 0)), List.of(Batches.stepIndices(21, 8, 5, 3)));
    }

    @Test
    void sftLowersTheLossAndLogsTrlNames() {
        var train = data(24);
        var model = fresh(24);
        double before = SftTrainer.meanLoss(model, train, 4);
        var lines = new ArrayList<Map<String, Object>>();
        var sum = SftTrainer.train(CFG, model, train, train.subList(0, 4), TrainLoop.Options.inMemory(lines::add));
        double after = SftTrainer.meanLoss(model, train, 4);
        assertEquals(9, sum.steps());
        assertTrue(after < before * 0.6, "loss " + before + " → " + after);
        var first = lines.stream().filter(l -> l.get("split").equals("train")).findFirst().orElseThrow();
        for (String k : List.of("step", "loss", "learning_rate", "grad_norm", "tokens_per_second", "epoch")) assertTrue(first.containsKey(k), k);
        assertEquals(0, lines.getFirst().get("step"), "evaluates once before training");
        assertEquals("eval", lines.getLast().get("split"));
    }

    @Test
    void killAndRerunEndsWithTheSameWeights(@TempDir Path dir) {
        var train = data(24);
        var straight = fresh(24);
        SftTrainer.train(CFG, straight, train, List.of(), TrainLoop.Options.inMemory(l -> {}));

        Path state = dir.resolve("state");
        var killed = fresh(24);
        Path log = dir.resolve("metrics.jsonl");
        try (var first = MetricsLog.open(log, 0)) {
            var opt = new TrainLoop.Options(state, first, (done, total, line) -> {
                if (done == 6) throw new IllegalStateException("killed");
            });
            assertThrows(IllegalStateException.class, () -> SftTrainer.train(CFG, killed, train, List.of(), opt));
        }
        assertEquals(4, TrainState.savedStep(state));

        var resumed = fresh(24); // a new process: fresh weights, the state brings back step 4
        try (var metrics = MetricsLog.open(log, TrainState.savedStep(state))) {
            var sum = SftTrainer.train(CFG, resumed, train, List.of(), new TrainLoop.Options(state, metrics, (d, t, l) -> {}));
            assertEquals(4, sum.resumedFrom());
        }
        assertArrayEquals(weights(straight), weights(resumed));
        // the log reads as one run: steps 1..9 once each, the lines after the saved step rewritten
        var steps = new ArrayList<Integer>();
        for (String l : readLines(log)) if (l.contains("\"train\"")) steps.add(Integer.parseInt(l.replaceAll(".*\"step\":(\\d+).*", "$1")));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), steps);

        // a state is never resumed by a different run
        var other = CFG.withSeed(99);
        assertThrows(IllegalStateException.class, () -> SftTrainer.train(other, fresh(24), train, List.of(), new TrainLoop.Options(state, l -> {}, (d, t, l) -> {})));
    }

    @Test
    void dpoSeparatesChosenFromRejected() {
        // chosen continues the +1 rule, rejected repeats the last prompt token
        var pairs = new ArrayList<PreferenceExample>();
        for (var e : data(16)) {
            int[] ids = e.ids();
            int[] prompt = java.util.Arrays.copyOf(ids, 3), chosen = java.util.Arrays.copyOfRange(ids, 3, ids.length);
            int[] rejected = new int[chosen.length];
            java.util.Arrays.fill(rejected, ids[2]);
            pairs.add(new PreferenceExample(prompt, chosen, rejected));
        }
        var model = fresh(24);
        var cfg = TrainConfig.defaults(5e-3).withSteps(4, 0).withBatch(8, 4);
        var trainer = new DpoTrainer(model, model, cfg, DpoLoss.standard(0.1), pairs, List.of());
        var before = trainer.evaluateTrainPairs();
        assertEquals(0.0, before.get("rewards/margins"), 1e-9, "the policy starts as its own reference");
        var lines = new ArrayList<Map<String, Object>>();
        TrainLoop.run(model, trainer, cfg, TrainLoop.Options.inMemory(lines::add));
        var after = trainer.evaluateTrainPairs();
        assertTrue(after.get("rewards/accuracies") > 0.9, after.toString());
        assertTrue(after.get("rewards/margins") > 0.5, after.toString());
        assertTrue(lines.getLast().containsKey("rewards/margins"));
    }

    @Test
    void grpoRaisesARewardThatVariesWithinGroups() {
        // reward: the share of generated tokens that are even; the policy can learn it from its own samples
        var model = fresh(24);
        var reference = fresh(24);
        List<int[]> prompts = List.of(new int[]{1, 2}, new int[]{5, 6, 7}, new int[]{3}, new int[]{9, 10});
        RlTrainer.Reward<int[]> reward = (p, group) -> group.stream().map(g -> {
            int even = 0;
            for (int t : g.tokens()) if (t % 2 == 0) even++;
            return new RlTrainer.Scored((double) even / g.tokens().length, even * 2 > g.tokens().length ? List.of("mostly-even") : List.of());
        }).toList();
        var settings = new RlTrainer.Settings(8, SamplingParams.sample(1.0, 0, 1.0, 8, 0), new GrpoLoss(0.2, 0.01));
        var cfg = TrainConfig.defaults(2e-2).withSteps(0, 12).withBatch(4, 16).withWarmup(0, 1);
        var lines = new ArrayList<Map<String, Object>>();
        RlTrainer.train(cfg, settings, model, reference, prompts, List.of(), p -> p, reward, null, TrainLoop.Options.inMemory(lines::add));
        double first = (double) lines.get(0).get("reward") + (double) lines.get(1).get("reward");
        double last = (double) lines.get(10).get("reward") + (double) lines.get(11).get("reward");
        assertTrue(last > first + 0.3, "reward " + first / 2 + " → " + last / 2);
        assertTrue((double) lines.get(11).get("kl") > 0, "the policy moved away from the reference");
        for (String k : List.of("reward_std", "clip_ratio", "completion_length", "mostly-even")) assertTrue(lines.get(11).containsKey(k), k);
    }

    @Test
    void rlResumesBitIdenticallyToo(@TempDir Path dir) {
        List<int[]> prompts = List.of(new int[]{1, 2}, new int[]{5, 6, 7}, new int[]{3}, new int[]{9, 10});
        RlTrainer.Reward<int[]> reward = (p, group) -> group.stream()
                .map(g -> new RlTrainer.Scored(g.tokens()[0] % 3 == 0 ? 1.0 : 0.0, List.of())).toList();
        var settings = new RlTrainer.Settings(4, SamplingParams.sample(1.0, 0, 1.0, 6, 0), new GrpoLoss(0.2, 0.05));
        var cfg = TrainConfig.defaults(1e-2).withSteps(0, 6).withBatch(2, 5).withEvery(0, 2);
        var straight = fresh(24);
        RlTrainer.train(cfg, settings, straight, fresh(24), prompts, List.of(), p -> p, reward, null, TrainLoop.Options.inMemory(l -> {}));

        Path state = dir.resolve("state");
        assertThrows(IllegalStateException.class, () -> RlTrainer.train(cfg, settings, fresh(24), fresh(24), prompts, List.of(), p -> p, reward, null,
                new TrainLoop.Options(state, l -> {}, (done, total, line) -> {
                    if (done == 3) throw new IllegalStateException("killed");
                })));
        var resumed = fresh(24);
        var sum = RlTrainer.train(cfg, settings, resumed, fresh(24), prompts, List.of(), p -> p, reward, null,
                new TrainLoop.Options(state, l -> {}, (d, t, l) -> {}));
        assertEquals(2, sum.resumedFrom());
        assertArrayEquals(weights(straight), weights(resumed));
    }
}
