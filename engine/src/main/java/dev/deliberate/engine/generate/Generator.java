package dev.deliberate.engine.generate;

import dev.deliberate.engine.model.Transformer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Batch generation on top of {@link DecodeSession}: n samples per prompt, admitted as slots free up. */
public final class Generator {
    private Generator() {}

    /** Slots used at most; more concurrent sequences mostly grow the KV cache without helping a CPU. */
    public static final int MAX_SLOTS = 32;

    /**
     * Generates {@code n} samples for every prompt. Sample i of a prompt uses seed {@code params.seed() + i}, so
     * samples differ and every run with the same seed repeats exactly.
     *
     * @return per prompt, its n generations in sample order
     */
    public static List<List<Generation>> generate(Transformer model, List<int[]> prompts, SamplingParams params, int n,
                                                  Detokenizer detokenizer) {
        if (n < 1) throw new IllegalArgumentException("n must be ≥ 1");
        int total = prompts.size() * n, longest = 1;
        for (int[] p : prompts) longest = Math.max(longest, p.length);
        int slots = Math.max(1, Math.min(MAX_SLOTS, total));
        int maxSeq = Math.min(model.config().maxPositionEmbeddings(), longest + params.maxTokens());
        var session = new DecodeSession(model, slots, Math.max(2, maxSeq), Math.max(slots, 512));
        var results = new ArrayList<Generation[]>();
        for (int i = 0; i < prompts.size(); i++) results.add(new Generation[n]);
        var queue = new ArrayDeque<int[]>(); // (prompt, sample)
        for (int p = 0; p < prompts.size(); p++) for (int s = 0; s < n; s++) queue.add(new int[]{p, s});
        int[][] owner = new int[slots][];
        while (!queue.isEmpty() || session.active() > 0) {
            while (!queue.isEmpty() && session.hasFreeSlot()) {
                int[] job = queue.poll();
                int slot = session.admit(prompts.get(job[0]), params.withSeed(params.seed() + job[1]), detokenizer);
                owner[slot] = job;
            }
            for (var f : session.step().finished()) {
                int[] job = owner[f.slot()];
                results.get(job[0])[job[1]] = f.generation();
            }
        }
        var out = new ArrayList<List<Generation>>();
        for (Generation[] g : results) out.add(List.copyOf(Arrays.asList(g)));
        return out;
    }
}
