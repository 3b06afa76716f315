package dev.deliberate.cli;

import picocli.CommandLine;

import java.util.concurrent.Callable;

/**
 * Base of a command group whose capability has not landed yet: it says so plainly, names the issue that
 * brings it, and exits with {@link #EXIT_CODE} — it never pretends to work.
 */
abstract class NotBuiltYet implements Callable<Integer> {
    static final int EXIT_CODE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(hidden = true, arity = "0..*")
    java.util.List<String> ignored;

    abstract String arrivesWith();

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("deliberate " + spec.qualifiedName().replaceFirst("^deliberate ", "") + ": not built yet; it arrives with " + arrivesWith() + ".");
        return EXIT_CODE;
    }
}
