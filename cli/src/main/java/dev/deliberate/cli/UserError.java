package dev.deliberate.cli;

/** A problem with what the user gave (a file, a flag); its message says what is wrong and how to fix it. */
public class UserError extends RuntimeException {
    private final int exitCode;

    public UserError(String message) {
        this(message, 2);
    }

    public UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
