package dev.deliberate.align.spec;

/** One finding about a spec file; {@code line} is 1-based, 0 when it concerns the whole file. */
public record SpecProblem(String source, int line, Severity severity, String message) {
    public enum Severity { ERROR, WARNING }

    @Override
    public String toString() {
        return source + (line > 0 ? ":" + line : "") + ": " + severity.name().toLowerCase() + ": " + message;
    }
}
