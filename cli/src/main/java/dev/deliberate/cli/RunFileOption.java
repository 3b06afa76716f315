package dev.deliberate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --config FILE}, read the same way by every command that takes it: the run file's values fill the options
 * the command line left out ({@link RunConfig#apply}). Options a command needs are checked after the file is read
 * ({@link #require}), so either the flag or the file's key may give them.
 */
final class RunFileOption {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON run file of option names and values; flags override it.")
    Path config;

    /** Fills the command's options from the run file, if one was given. */
    void apply() {
        if (config != null) RunConfig.apply(mixee.commandLine(), config);
    }

    /** A needed option that neither the command line nor the run file gave is a {@link UserError} naming both ways. */
    static <T> T require(T value, String flag, String what) {
        if (value == null || value instanceof java.util.Collection<?> c && c.isEmpty())
            throw new UserError(flag + " is required (or '" + flag.substring(2) + ":' in the --config run file): " + what);
        return value;
    }
}
