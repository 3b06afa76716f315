package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs up to {@code maxConcurrency} requests side by side, each through the model's own streaming call: the
 * scheduler for a remote endpoint (the caching proxy), where batching is the upstream server's business and
 * deltas should pass through as they arrive.
 */
public final class ConcurrentScheduler implements Scheduler {
    private final ChatModel model;
    private final int maxQueue;
    private final ThreadPoolExecutor pool;

    public ConcurrentScheduler(ChatModel model, int maxQueue, int maxConcurrency) {
        if (maxQueue < 1 || maxConcurrency < 1) throw new IllegalArgumentException("max-queue and concurrency must be >= 1");
        this.model = model;
        this.maxQueue = maxQueue;
        this.pool = new ThreadPoolExecutor(maxConcurrency, maxConcurrency, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(maxQueue),
                Thread.ofPlatform().name("proxy-", 0).daemon().factory(), new ThreadPoolExecutor.AbortPolicy());
    }

    @Override
    public CompletableFuture<List<Completion>> submit(ChatRequest r, Consumer<ChatDelta> onDelta) {
        return call(() -> onDelta == null ? model.chat(r.messages(), r.params()) : model.chatStreaming(r.messages(), r.params(), onDelta));
    }

    @Override
    public boolean completesText() {
        return model.completesText();
    }

    @Override
    public CompletableFuture<List<Completion>> submitText(String prompt, dev.deliberate.align.llm.SamplingParams params) {
        return call(() -> model.complete(prompt, params));
    }

    /** Runs {@code work} on the pool, at most {@code maxQueue} waiting. */
    private CompletableFuture<List<Completion>> call(java.util.function.Supplier<List<Completion>> work) {
        if (pool.isShutdown()) throw new ShuttingDown();
        var result = new CompletableFuture<List<Completion>>();
        java.util.concurrent.Future<?> task;
        try {
            task = pool.submit(() -> {
                if (result.isDone()) return; // cancelled while it waited
                try {
                    result.complete(work.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            if (pool.isShutdown()) throw new ShuttingDown();
            throw new QueueFull(maxQueue);
        }
        // the client left: a waiting call leaves the queue, a running one is interrupted (the HTTP call is aborted)
        result.whenComplete((x, e) -> {
            if (result.isCancelled()) {
                task.cancel(true);
                pool.remove((Runnable) task);
            }
        });
        return result;
    }

    @Override
    public int queued() {
        return pool.getQueue().size();
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
