package dev.deliberate.align.spec;

import java.util.List;

/** A spec that cannot be used; the message lists every problem as {@code source:line: message}. */
public final class SpecParseException extends RuntimeException {
    private final List<SpecProblem> problems;

    public SpecParseException(List<SpecProblem> problems) {
        super(problems.stream().map(SpecProblem::toString).reduce((a, b) -> a + "\n" + b).orElse("invalid spec"));
        this.problems = List.copyOf(problems);
    }

    public List<SpecProblem> problems() {
        return problems;
    }
}
