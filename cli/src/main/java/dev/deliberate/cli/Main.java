package dev.deliberate.cli;

import dev.deliberate.align.Models;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** The {@code deliberate} command: a thin shell over the align and engine modules. */
@Command(name = "deliberate",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {
                "Teach language models to reason over an explicit safety specification before they answer",
                "(Deliberative Alignment, SaRO): build data, train, evaluate, report.", ""},
        subcommands = {
                DemoCommand.class,
                WorldCommand.class,
                SpecCommand.class,
                GenerateCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                ReportCommand.class,
                ServeCommand.class,
                GuardCommand.class,
                JudgesCommand.class,
                TokenizeCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class,
        },
        footer = {"", "Run 'deliberate COMMAND --help' for a command's options. Start with: deliberate demo"})
public final class Main implements Runnable {

    @Option(names = {"-v", "--verbose"}, description = "More log output (-v info, -vv debug).", scope = CommandLine.ScopeType.INHERIT)
    void verbose(boolean[] flags) {
        Logging.configure(flags.length);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // no subcommand given: show what there is, and say so with a non-zero exit (see execute below)
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: choose one of the commands below.");
    }

    /** Builds the configured command line; tests use this to run commands in-process. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(new Errors());
        return cl;
    }

    public static void main(String[] args) {
        Logging.configure(0);
        Models.installDefaults();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
