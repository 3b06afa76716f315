package dev.deliberate.engine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The CPU kernels' fixed worker pool: one thread per core (or the system property {@code deliberate.threads}, else
 * {@code DELIBERATE_THREADS}), created once.
 * Kernels split their outer loop into one contiguous range per worker; the calling thread takes the first.
 */
public final class Parallel {
    private static final int THREADS = configuredThreads();
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS - 1));

    private Parallel() {}

    private static int configuredThreads() {
        String env = System.getProperty("deliberate.threads", System.getenv("DELIBERATE_THREADS"));
        if (env != null && !env.isBlank()) {
            try {
                int t = Integer.parseInt(env.trim());
                if (t >= 1) return t;
            } catch (NumberFormatException ignored) {
                // fall through to the core count; a bad value must not stop the engine
            }
            System.getLogger(Parallel.class.getName()).log(System.Logger.Level.WARNING,
                    "DELIBERATE_THREADS=''{0}'' is not a positive integer; using the core count", env);
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** Number of workers kernels split their work into. */
    public static int threads() {
        return THREADS;
    }

    /** Nesting depth of parallel bodies on this thread: a nested {@link #forRange} runs inline on its caller. */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * Whether the current thread is already running a part of a {@link #forRange}. Kernels that parallelise over
     * independent items (attention heads) call {@link Gemm} from inside their bodies; the nested call then runs on
     * that thread alone instead of queueing behind the busy workers.
     */
    public static boolean insideWorker() {
        return DEPTH.get()[0] > 0;
    }

    private static void runMarked(Range body, int start, int end) {
        int[] depth = DEPTH.get();
        depth[0]++;
        try {
            body.run(start, end);
        } finally {
            depth[0]--;
        }
    }

    /** A body over the half-open range [start, end). */
    @FunctionalInterface
    public interface Range {
        void run(int start, int end);
    }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous ranges; returns when all are done.
     * Ranges smaller than {@code grain} are not split further, so tiny loops stay on the calling thread.
     */
    public static void forRange(int n, int grain, Range body) {
        int parts = Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (parts <= 1 || n <= 1 || insideWorker()) {
            body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int s = (int) ((long) n * p / parts), e = (int) ((long) n * (p + 1) / parts);
            futures.add(POOL.submit(() -> runMarked(body, s, e)));
        }
        runMarked(body, 0, (int) ((long) n / parts));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a kernel worker", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
