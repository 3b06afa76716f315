package dev.deliberate.engine.tokenizer;

/** A {@code tokenizer.json} or {@code tokenizer_config.json} that cannot be used; the message names the file and field. */
public final class TokenizerFormatException extends RuntimeException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
