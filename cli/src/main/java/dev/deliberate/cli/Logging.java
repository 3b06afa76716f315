package dev.deliberate.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Logging goes through {@link System.Logger} everywhere (no logging library); the JDK routes it to
 * java.util.logging, which this class sets up: warnings only by default, {@code -v} info, {@code -vv} debug.
 */
public final class Logging {
    private Logging() {}

    public static void configure(int verbosity) {
        Level level = switch (verbosity) {
            case 0 -> Level.WARNING;
            case 1 -> Level.INFO;
            default -> Level.FINE;
        };
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler h = new ConsoleHandler(); // stderr, so stdout stays clean for data
        h.setLevel(level);
        h.setFormatter(new SimpleFormatter() {
            @Override
            public String format(LogRecord r) {
                String name = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
                String msg = formatMessage(r);
                String thrown = r.getThrown() == null ? "" : " (" + r.getThrown() + ")";
                return "[" + r.getLevel().getName().toLowerCase() + "] " + name + ": " + msg + thrown + System.lineSeparator();
            }
        });
        root.addHandler(h);
        root.setLevel(level);
    }
}
