package dev.deliberate.engine.generate;

import dev.deliberate.engine.model.KvCache;
import dev.deliberate.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Step-wise batched decoding over a fixed number of KV-cache slots, the shape continuous batching needs: between
 * steps a caller {@link #admit}s new sequences into free slots; each {@link #step} feeds every active slot once —
 * a chunk of its prompt (prefill) or its last sampled token (decode) — and samples where a prompt is complete.
 * Each slot has its own sampling parameters and random generator, so a sequence decodes the same whether it
 * shares the batch or runs alone.
 */
public final class DecodeSession {
    /**
     * A token sampled for a slot in the last step, with its log-prob under the unmodified distribution and, when the
     * slot asked for them, the likeliest tokens at that position (most likely first) and their log-probs.
     */
    public record Emitted(int slot, int token, float logProb, int[] topTokens, float[] topLogProbs) {
        private static final int[] NO_TOKENS = new int[0];
        private static final float[] NO_LOGPROBS = new float[0];

        public Emitted(int slot, int token, float logProb) {
            this(slot, token, logProb, NO_TOKENS, NO_LOGPROBS);
        }
    }

    /** A sequence that ended in the last step; its slot is free again. */
    public record Finished(int slot, Generation generation) {}

    public record Step(List<Emitted> emitted, List<Finished> finished) {}

    private static final class Slot {
        final int[] prompt;
        final SamplingParams params;
        final RandomGenerator rng;
        final Detokenizer detok;
        final int topLogprobs;
        int fed; // prompt tokens already in the cache
        int[] out = new int[16];
        float[] logp = new float[16];
        int n;

        Slot(int[] prompt, SamplingParams params, Detokenizer detok, int topLogprobs) {
            this.prompt = prompt;
            this.params = params;
            this.detok = detok;
            this.topLogprobs = topLogprobs;
            this.rng = RandomGeneratorFactory.of("L64X128MixRandom").create(params.seed());
        }

        void append(int token, float lp) {
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
                logp = Arrays.copyOf(logp, n * 2);
            }
            out[n] = token;
            logp[n++] = lp;
        }
    }

    private final Transformer model;
    private final KvCache cache;
    private final Slot[] slots;
    private final int maxRowsPerStep;
    private final Sampler sampler = new Sampler();
    private final float[] lpOut = new float[1];
    private float[] logits = new float[0];

    /**
     * @param maxSeq          positions per slot (prompt + generated tokens)
     * @param maxRowsPerStep  rows one step may feed; longer prompts are prefilled in chunks over several steps
     */
    public DecodeSession(Transformer model, int slots, int maxSeq, int maxRowsPerStep) {
        if (slots < 1 || maxSeq < 2 || maxRowsPerStep < slots)
            throw new IllegalArgumentException("need slots ≥ 1, maxSeq ≥ 2 and maxRowsPerStep ≥ slots");
        this.model = model;
        this.cache = new KvCache(model.backend(), model.config(), slots, Math.min(maxSeq, model.config().maxPositionEmbeddings()));
        this.slots = new Slot[slots];
        this.maxRowsPerStep = maxRowsPerStep;
    }

    public int capacity() {
        return slots.length;
    }

    public int maxSeq() {
        return cache.maxSeq();
    }

    public int active() {
        int c = 0;
        for (Slot s : slots) if (s != null) c++;
        return c;
    }

    public boolean hasFreeSlot() {
        return active() < slots.length;
    }

    /**
     * Puts a sequence into a free slot; it starts with the next {@link #step}.
     *
     * @param detokenizer needed only when {@code params} has stop strings
     * @return the slot id, reported again in its {@link Emitted} and {@link Finished} events
     */
    public int admit(int[] prompt, SamplingParams params, Detokenizer detokenizer) {
        return admit(prompt, params, detokenizer, 0);
    }

    /** Like {@link #admit(int[], SamplingParams, Detokenizer)}; each {@link Emitted} also carries the {@code topLogprobs} likeliest tokens. */
    public int admit(int[] prompt, SamplingParams params, Detokenizer detokenizer, int topLogprobs) {
        if (topLogprobs < 0 || topLogprobs > 64) throw new IllegalArgumentException("topLogprobs must be in 0..64, got " + topLogprobs);
        if (prompt.length < 1) throw new IllegalArgumentException("the prompt must have at least one token");
        if (prompt.length >= cache.maxSeq())
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room in a " + cache.maxSeq() + "-position slot");
        if (!params.stopStrings().isEmpty() && detokenizer == null)
            throw new IllegalArgumentException("stop strings need a detokenizer");
        for (int t : prompt)
            if (t < 0 || t >= model.config().vocabSize()) throw new IllegalArgumentException("prompt token " + t + " outside the vocabulary");
        for (int i = 0; i < slots.length; i++)
            if (slots[i] == null) {
                slots[i] = new Slot(prompt.clone(), params, detokenizer, topLogprobs);
                return i;
            }
        throw new IllegalStateException("all " + slots.length + " slots are busy; admit after a sequence finishes");
    }

    /** Drops a sequence (e.g. a disconnected client); its slot is free at once. */
    public void cancel(int slot) {
        slots[slot] = null;
    }

    /** Runs one forward over all active slots and samples; returns what was emitted and what finished. */
    public Step step() {
        int rows = 0, budget = maxRowsPerStep;
        int[] take = new int[slots.length];
        // decoding slots take one row each first, so prefill never starves generation
        for (int i = 0; i < slots.length; i++)
            if (slots[i] != null && slots[i].fed == slots[i].prompt.length) {
                take[i] = 1;
                budget--;
            }
        for (int i = 0; i < slots.length; i++)
            if (slots[i] != null && slots[i].fed < slots[i].prompt.length && budget > 0) {
                take[i] = Math.min(budget, slots[i].prompt.length - slots[i].fed);
                budget -= take[i];
            }
        for (int t : take) rows += t;
        if (rows == 0) return new Step(List.of(), List.of());

        int[] tokens = new int[rows], slotOf = new int[rows], pos = new int[rows];
        int[] logitRow = new int[slots.length];
        int[] logitSlots = new int[slots.length];
        int m = 0, r = 0;
        for (int i = 0; i < slots.length; i++) {
            Slot s = slots[i];
            if (take[i] == 0) continue;
            if (s.fed < s.prompt.length) {
                for (int j = 0; j < take[i]; j++, r++) {
                    tokens[r] = s.prompt[s.fed + j];
                    slotOf[r] = i;
                    pos[r] = s.fed + j;
                }
                s.fed += take[i];
                if (s.fed < s.prompt.length) continue; // prompt not complete: nothing to sample yet
            } else {
                tokens[r] = s.out[s.n - 1];
                slotOf[r] = i;
                pos[r] = s.prompt.length + s.n - 1;
                r++;
            }
            logitRow[m] = r - 1;
            logitSlots[m++] = i;
        }
        int vocab = model.config().vocabSize();
        if (logits.length < m * vocab) logits = new float[m * vocab];
        model.forwardCached(cache, rows, tokens, slotOf, pos, Arrays.copyOf(logitRow, m), logits);

        var emitted = new ArrayList<Emitted>(m);
        var finished = new ArrayList<Finished>();
        for (int j = 0; j < m; j++) {
            int i = logitSlots[j];
            Slot s = slots[i];
            int tok = sampler.sample(logits, j * vocab, vocab, s.params, s.rng, lpOut);
            s.append(tok, lpOut[0]);
            emitted.add(s.topLogprobs == 0 ? new Emitted(i, tok, lpOut[0]) : top(logits, j * vocab, vocab, i, tok, lpOut[0], s.topLogprobs));
            FinishReason why = null;
            if (s.params.eosIds().contains(tok)) why = FinishReason.EOS;
            else if (stopStringHit(s)) why = FinishReason.STOP_STRING;
            else if (s.n >= s.params.maxTokens() || s.prompt.length + s.n >= cache.maxSeq()) why = FinishReason.LENGTH;
            if (why != null) {
                finished.add(new Finished(i, new Generation(Arrays.copyOf(s.out, s.n), Arrays.copyOf(s.logp, s.n), why)));
                slots[i] = null;
            }
        }
        return new Step(emitted, finished);
    }

    /** The {@code k} likeliest tokens of one row of logits, with their log-softmax values. */
    private static Emitted top(float[] logits, int off, int vocab, int slot, int tok, float lp, int k) {
        k = Math.min(k, vocab);
        int[] ids = new int[k];
        float[] vals = new float[k];
        java.util.Arrays.fill(vals, Float.NEGATIVE_INFINITY);
        float max = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            float x = logits[off + v];
            if (x > max) max = x;
            if (x <= vals[k - 1]) continue;
            int at = k - 1;
            while (at > 0 && vals[at - 1] < x) {
                vals[at] = vals[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            vals[at] = x;
            ids[at] = v;
        }
        double z = 0;
        for (int v = 0; v < vocab; v++) z += Math.exp(logits[off + v] - max);
        float logZ = (float) (max + Math.log(z));
        for (int i = 0; i < k; i++) vals[i] -= logZ;
        return new Emitted(slot, tok, lp, ids, vals);
    }

    private static boolean stopStringHit(Slot s) {
        if (s.params.stopStrings().isEmpty()) return false;
        String text = s.detok.decode(s.out, s.n);
        for (String stop : s.params.stopStrings()) if (!stop.isEmpty() && text.contains(stop)) return true;
        return false;
    }
}
