package dev.deliberate.cli;

import dev.deliberate.align.demo.DemoRun;

import java.io.PrintWriter;
import java.util.Locale;

/** The demo's progress: a line per stage with the overall ETA on stdout, a bar per counted job on stderr. */
final class DemoProgress implements DemoRun.Listener {
    private final PrintWriter out, err;
    private Progress bar;
    private String barStage;

    DemoProgress(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : String.format(Locale.ROOT, "%.1fs", seconds);
    }

    @Override
    public synchronized void stage(int index, int total, String title, boolean skipped, double etaSeconds) {
        closeBar();
        String eta = Double.isNaN(etaSeconds) ? "" : " (ETA of the rest: " + duration(etaSeconds) + ")";
        out.printf(Locale.ROOT, "[%d/%d] %s%s%s%n", index, total, title, skipped ? " — done before, skipped" : " …", skipped ? "" : eta);
        out.flush();
    }

    @Override
    public synchronized void stageDone(int index, String title, double seconds) {
        closeBar();
        if (seconds > 0) {
            out.printf(Locale.ROOT, "      done in %s%n", duration(seconds));
            out.flush();
        }
    }

    @Override
    public synchronized void line(String text) {
        closeBar();
        out.println(text);
        out.flush();
    }

    @Override
    public synchronized void progress(String stage, int done, int total) {
        if (bar == null || !stage.equals(barStage)) {
            closeBar();
            bar = Progress.start(err, stage, total, unit(stage));
            barStage = stage;
        }
        bar.stepTo(done);
        if (done >= total) closeBar();
    }

    /** DemoRun names its bars "train …" (optimizer steps) and "eval …" ((item, attack) cells); generators count prompts. */
    private static String unit(String stage) {
        return stage.startsWith("train ") ? "steps" : stage.startsWith("eval ") ? "cells" : "prompts";
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
            barStage = null;
        }
    }
}
