package dev.deliberate.align.data;

/**
 * Hears how far a long job has come, so a command line can draw a bar and a demo can show its stage. Called from
 * the thread that writes the output, in order.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (stage, done, total) -> {};

    /**
     * @param stage what is being counted, e.g. "deliberative"
     * @param done  items finished so far, including those a resumed run found already done
     * @param total items in the job
     */
    void progress(String stage, int done, int total);
}
