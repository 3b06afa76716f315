package dev.deliberate.cli;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;

/** A progress bar with rate and ETA on the command's stderr, so stdout stays clean for data. */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintWriter err;

    private Progress(ProgressBar bar, PrintWriter err) {
        this.bar = bar;
        this.err = err;
    }

    /** @param unit what is counted, e.g. "prompts" */
    public static Progress start(PrintWriter err, String task, long total, String unit) {
        var consumer = new DelegatingProgressBarConsumer(line -> {
            err.print('\r' + line);
            err.flush();
        }, 100);
        var bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" " + unit, 1).showSpeed().setUpdateIntervalMillis(250).setConsumer(consumer).build();
        return new Progress(bar, err);
    }

    public void stepTo(long n) {
        bar.stepTo(n);
    }

    public void step() {
        bar.step();
    }

    /** A short figure shown after the bar, e.g. the current loss. */
    public void message(String text) {
        bar.setExtraMessage(text);
    }

    @Override
    public void close() {
        bar.close();
        err.println();
        err.flush();
    }
}
