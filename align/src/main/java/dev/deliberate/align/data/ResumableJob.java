package dev.deliberate.align.data;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Works through a list in parallel and commits the results strictly in list order, on the calling thread. Output
 * files therefore come out the same whatever the thread count, and a run killed at any point has committed exactly
 * a prefix of the pending items: a rerun skips what is done and appends the rest, giving the same file as a run that
 * was never interrupted. The first failure stops the job after committing everything before it.
 */
public final class ResumableJob {
    private ResumableJob() {}

    /**
     * @param done   items already committed by an earlier run
     * @param work   the expensive part (model calls), run on up to {@code threads} threads
     * @param commit appends the result; called in list order on this thread
     * @return how many items this call committed
     */
    public static <T, R> int run(List<T> items, Predicate<T> done, int threads, Function<T, R> work, BiConsumer<T, R> commit,
                                 String stage, ProgressListener progress) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        List<T> todo = items.stream().filter(done.negate()).toList();
        int finished = items.size() - todo.size();
        progress.progress(stage, finished, items.size());
        if (threads == 1) {
            for (T item : todo) {
                commit.accept(item, work.apply(item));
                progress.progress(stage, ++finished, items.size());
            }
            return todo.size();
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "generate-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            var inFlight = new ArrayDeque<Future<R>>();
            int next = 0, window = 2 * threads;
            for (int i = 0; i < todo.size(); i++) {
                while (next < todo.size() && next < i + window) {
                    T item = todo.get(next++);
                    inFlight.add(pool.submit(() -> work.apply(item)));
                }
                commit.accept(todo.get(i), await(inFlight.poll()));
                progress.progress(stage, ++finished, items.size());
            }
            return todo.size();
        } finally {
            pool.shutdownNow();
        }
    }

    private static <R> R await(Future<R> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error er) throw er;
            throw new IllegalStateException(e.getCause());
        }
    }
}
