package dev.deliberate.align.llm;

/**
 * A prompt that does not fit the model's context: a property of that one prompt, not of the run, so a data
 * pipeline skips it (with a ledger entry) and goes on.
 */
public final class PromptTooLongException extends IllegalArgumentException {
    public PromptTooLongException(String message) {
        super(message);
    }
}
