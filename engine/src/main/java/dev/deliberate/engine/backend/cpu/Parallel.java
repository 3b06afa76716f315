package dev.deliberate.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU kernels' fixed worker pool: one thread per core (or the system property {@code deliberate.threads}, else
 * {@code DELIBERATE_THREADS}), created once.
 * Kernels split their outer loop into one contiguous range per worker; the calling thread takes the first.
 *
 * <p>A decode step is a few dozen small kernels of a few microseconds each, so handing a range to a worker must cost
 * far less than parking and unparking a thread (tens of microseconds). Workers therefore spin on the current job for
 * a short while ({@code deliberate.spinMicros}, default 100 µs) after their last range before they park, as llama.cpp's
 * and OpenMP's pools do; a kernel issued within that time starts on them in well under a microsecond. Ranges are the
 * same whoever runs them, so results do not depend on which thread took which range.
 */
public final class Parallel {
    private static final int THREADS = configuredThreads();
    private static final long SPIN_NANOS = Long.getLong("deliberate.spinMicros", 100L) * 1000L;

    /** One forRange call: its ranges are claimed by index, each exactly once, by the caller and the workers. */
    private static final class Job {
        final Range body;
        final int n, parts;
        final AtomicInteger next = new AtomicInteger(1); // range 0 is the caller's
        final AtomicInteger pending;
        volatile Throwable failure;

        Job(Range body, int n, int parts) {
            this.body = body;
            this.n = n;
            this.parts = parts;
            this.pending = new AtomicInteger(parts - 1);
        }

        int start(int p) {
            return (int) ((long) n * p / parts);
        }

        /** Range p, keeping the first failure for the caller. */
        void run(int p) {
            try {
                runMarked(body, start(p), start(p + 1));
            } catch (Throwable t) {
                if (failure == null) failure = t;
            }
        }

        /** Runs ranges of this job until none is left unclaimed. */
        void help() {
            for (int p; (p = next.getAndIncrement()) < parts; ) {
                run(p);
                pending.decrementAndGet();
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean parked;

        Worker(int i) {
            super("deliberate-kernel-" + i);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (true) {
                Job j = current;
                if (j == seen) {
                    long since = System.nanoTime();
                    while ((j = current) == seen && System.nanoTime() - since < SPIN_NANOS) Thread.onSpinWait();
                    if (j == seen) {
                        parked = true;
                        while ((j = current) == seen) LockSupport.park(this);
                        parked = false;
                    }
                }
                seen = j;
                j.help();
            }
        }
    }

    private static volatile Job current;
    /** Held by the one thread whose job the workers serve; a second caller runs its ranges itself. */
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Worker[] WORKERS = startWorkers();

    private Parallel() {}

    private static Worker[] startWorkers() {
        current = new Job((s, e) -> {}, 0, 1); // nothing to claim
        var ws = new Worker[Math.max(0, THREADS - 1)];
        for (int i = 0; i < ws.length; i++) {
            ws[i] = new Worker(i + 1);
            ws[i].start();
        }
        return ws;
    }

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
        var job = new Job(body, n, parts);
        if (!BUSY.compareAndSet(false, true)) {
            // another thread's job holds the workers: the same ranges, one after another on this thread
            for (int p = 0; p < parts; p++) runMarked(body, job.start(p), job.start(p + 1));
            return;
        }
        try {
            current = job;
            for (Worker w : WORKERS) if (w.parked) LockSupport.unpark(w);
            job.run(0);
            job.help(); // ranges no worker has claimed yet
            while (job.pending.get() > 0) Thread.onSpinWait(); // a range still running on a worker
        } finally {
            BUSY.set(false);
        }
        Throwable t = job.failure;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        if (t != null) throw new IllegalStateException(t);
    }
}
