package dev.deliberate.cli;

import picocli.CommandLine;

/**
 * Turns an exception escaping a command into one clear line on stderr and a non-zero exit; the stack trace
 * only with {@code -vv}. Commands throw {@link UserError} for bad input they have already explained.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        var err = cl.getErr();
        String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        err.println("deliberate " + cl.getCommandName() + ": " + msg);
        if (System.getLogger("dev.deliberate").isLoggable(System.Logger.Level.DEBUG)) ex.printStackTrace(err);
        err.flush();
        return ex instanceof UserError u ? u.exitCode() : 1;
    }
}
