package dev.deliberate.engine.train;

import java.util.Arrays;

/**
 * One training sequence: token ids and which of them are learned ({@code mask[i] = 1}: token i is a target, predicted
 * from the tokens before it). SFT masks everything but the assistant turns; pretraining learns every token.
 */
public record TokenizedExample(int[] ids, int[] mask) {
    public TokenizedExample {
        if (ids.length == 0) throw new IllegalArgumentException("an example needs at least one token");
        if (mask.length != ids.length) throw new IllegalArgumentException("mask has " + mask.length + " entries for " + ids.length + " tokens");
    }

    /** Every token after the first is learned. */
    public static TokenizedExample plain(int[] ids) {
        int[] mask = new int[ids.length];
        Arrays.fill(mask, 1, ids.length, 1);
        return new TokenizedExample(ids, mask);
    }

    /** The completion is learned, the prompt is context. */
    public static TokenizedExample prompted(int[] prompt, int[] completion) {
        int[] ids = new int[prompt.length + completion.length];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(completion, 0, ids, prompt.length, completion.length);
        int[] mask = new int[ids.length];
        Arrays.fill(mask, prompt.length, ids.length, 1);
        return new TokenizedExample(ids, mask);
    }

    public int length() {
        return ids.length;
    }

    /** Learned tokens that have a predecessor (the first token is never a target). */
    public int targets() {
        int n = 0;
        for (int i = 1; i < mask.length; i++) n += mask[i];
        return n;
    }

    /** The first {@code maxLen} tokens. */
    public TokenizedExample truncate(int maxLen) {
        return ids.length <= maxLen ? this : new TokenizedExample(Arrays.copyOf(ids, maxLen), Arrays.copyOf(mask, maxLen));
    }
}
