package dev.deliberate.engine.train;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

/**
 * Trains a small model in a JVM of its own and prints what a step allocates once compiled: {@code steady=<bytes>},
 * the median of the last rounds of 10 steps, {@code activations=<bytes>}, what the step keeps for its backward, and
 * every round's figure.
 * {@link StepAllocationTest} runs it; by hand: {@code java --add-modules jdk.incubator.vector -cp … StepAllocationProbe}.
 */
public final class StepAllocationProbe {
    /** Held so the level sticks: java.util.logging keeps loggers weakly. */
    private static final java.util.logging.Logger TRAINER_LOG = java.util.logging.Logger.getLogger(Trainer.class.getName());

    /** Rounds of 10 steps after the warm-up; the last 10 count. */
    static final int ROUNDS = 40;

    private StepAllocationProbe() {}

    static long allocatedByAllThreads() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return Arrays.stream(mx.getThreadAllocatedBytes(mx.getAllThreadIds())).filter(b -> b > 0).sum();
    }

    public static void main(String[] args) {
        int hidden = 64, intermediate = 176, layers = 2, vocab = 256, seqLen = 96, seqs = 4;
        var model = new Transformer(ModelConfig.llama(hidden, intermediate, layers, 4, 4, vocab, 128), new CpuBackend());
        model.initialize(7);
        var trainer = new Trainer(model, new AdamW(model, AdamW.Config.defaults(0.0)), new LrSchedule(1e-3, 2, 200, 0.1), 1.0);
        TRAINER_LOG.setLevel(java.util.logging.Level.OFF); // formatting the step log allocates, and it is not the engine
        var rnd = new java.util.SplittableRandom(3);
        int[][] tokens = new int[seqs][seqLen];
        for (int[] s : tokens) for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(vocab);
        var batch = List.of(Batch.of(List.of(tokens[0], tokens[1])), Batch.of(List.of(tokens[2], tokens[3])));
        // per token and layer about 9 hidden-wide and 3 intermediate-wide vectors, plus the logits and their gradient
        long activations = 4L * seqs * seqLen * ((long) layers * (9 * hidden + 3 * intermediate) + 2 * vocab);
        for (int s = 0; s < 30; s++) trainer.step(batch, Objective.crossEntropy()); // buffers, then C2
        // C2 settles within a few seconds of a fresh JVM; before it does, a step may allocate a lot or, for a while,
        // little (a loop compiled well, then recompiled worse), so the steady state is the median of the last rounds
        long[] perStep = new long[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            long before = allocatedByAllThreads();
            for (int s = 0; s < 10; s++) trainer.step(batch, Objective.crossEntropy());
            perStep[round] = (allocatedByAllThreads() - before) / 10;
        }
        long[] last = Arrays.copyOfRange(perStep, ROUNDS - 10, ROUNDS);
        Arrays.sort(last);
        System.out.println("steady=" + last[5] + " activations=" + activations + " rounds=" + Arrays.toString(perStep));
    }
}
