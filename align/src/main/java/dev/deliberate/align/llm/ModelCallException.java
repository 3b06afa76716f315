package dev.deliberate.align.llm;

/**
 * A model call that failed for good: a 4xx from the endpoint (status and the server's message), or a
 * transient failure that outlasted the retry budget. Messages never contain an API key.
 *
 * @see OpenAiChatModel
 */
public final class ModelCallException extends RuntimeException {
    private final int status;
    private final boolean transientFailure;

    /** @param status the HTTP status, or 0 when no response came (timeout, reset) */
    public ModelCallException(String message, int status, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.transientFailure = transientFailure;
    }

    public int status() {
        return status;
    }

    /** True when the failure was of the retryable kind (429, 5xx, timeout, reset) and the budget ran out. */
    public boolean transientFailure() {
        return transientFailure;
    }
}
