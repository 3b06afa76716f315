package dev.deliberate.engine.train;

/** A preference pair as tokens: the shared prompt, then the chosen and the rejected response. */
public record PreferenceExample(int[] prompt, int[] chosen, int[] rejected) {
    public PreferenceExample {
        if (prompt.length == 0) throw new IllegalArgumentException("a preference pair needs a prompt");
        if (chosen.length == 0 || rejected.length == 0) throw new IllegalArgumentException("a preference pair needs non-empty responses");
    }

    public TokenizedExample chosenExample() {
        return TokenizedExample.prompted(prompt, chosen);
    }

    public TokenizedExample rejectedExample() {
        return TokenizedExample.prompted(prompt, rejected);
    }

    public int length() {
        return prompt.length + Math.max(chosen.length, rejected.length);
    }
}
