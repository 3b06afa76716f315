package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the schedulers that own the model share: a bounded queue of waiting requests and one worker thread, the
 * only one that touches the model, so a local engine needs no locking.
 */
abstract sealed class WorkerScheduler<P extends WorkerScheduler.Pending> implements Scheduler permits BatchingScheduler, ContinuousBatchingScheduler {

    /** A request waiting for or in the model, with where its text and result go. */
    static class Pending {
        final ChatRequest request;
        final Consumer<ChatDelta> onDelta;
        final int topLogprobs; // < 0: no log-probabilities
        final CompletableFuture<List<Completion>> result = new CompletableFuture<>();

        Pending(ChatRequest request, int topLogprobs, Consumer<ChatDelta> onDelta) {
            this.request = request;
            this.topLogprobs = topLogprobs;
            this.onDelta = onDelta;
        }

        /** Cancelled by its client (or failed): the worker drops it. */
        boolean abandoned() {
            return result.isDone();
        }
    }

    final int maxQueue, width;
    final BlockingQueue<P> queue;
    volatile boolean open = true;
    private final Thread worker;

    /** @param width how many requests or sequences the model takes at once, named {@code widthName} in errors */
    WorkerScheduler(String name, int maxQueue, int width, String widthName) {
        if (maxQueue < 1 || width < 1) throw new IllegalArgumentException("max-queue and " + widthName + " must be >= 1, got " + maxQueue + " and " + width);
        this.maxQueue = maxQueue;
        this.width = width;
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.worker = Thread.ofPlatform().name(name).daemon().unstarted(this::work);
    }

    /** Subclass constructors call this last, once their fields are set. */
    final void start() {
        worker.start();
    }

    abstract P pending(ChatRequest request, int topLogprobs, Consumer<ChatDelta> onDelta);

    /** The model the worker feeds. */
    abstract dev.deliberate.align.llm.ChatModel model();

    /** Raw text prompts run beside the worker, one at a time: they are rare (PP-COT branching) and take no batch place. */
    private ConcurrentScheduler text;

    @Override
    public boolean completesText() {
        return model().completesText();
    }

    @Override
    public synchronized CompletableFuture<List<Completion>> submitText(String prompt, dev.deliberate.align.llm.SamplingParams params) {
        if (!open) throw new ShuttingDown();
        if (text == null) text = new ConcurrentScheduler(model(), maxQueue, 1);
        return text.submitText(prompt, params);
    }

    /** The worker's loop: serve until {@link #open} is false and nothing is left, or until interrupted. */
    abstract void serve() throws InterruptedException;

    private void work() {
        try {
            serve();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            P p;
            while ((p = queue.poll()) != null) p.result.completeExceptionally(new ShuttingDown());
        }
    }

    @Override
    public CompletableFuture<List<Completion>> submit(ChatRequest request, Consumer<ChatDelta> onDelta) {
        return submit(request, -1, onDelta);
    }

    @Override
    public CompletableFuture<List<Completion>> submit(ChatRequest request, int topLogprobs, Consumer<ChatDelta> onDelta) {
        if (!open) throw new ShuttingDown();
        if (topLogprobs >= 0 && !logprobs()) throw new UnsupportedOperationException("this scheduler's model gives no log-probabilities");
        P p = pending(request, topLogprobs, onDelta);
        if (!queue.offer(p)) throw new QueueFull(maxQueue);
        // a cancelled request gives its place in the queue back at once
        p.result.whenComplete((r, e) -> {
            if (p.result.isCancelled()) queue.remove(p);
        });
        return p.result;
    }

    @Override
    public int queued() {
        return queue.size();
    }

    /** Waits up to {@code grace} for queued and running work, then fails the rest. */
    public void close(Duration grace) {
        synchronized (this) {
            open = false;
            if (text != null) text.close();
        }
        try {
            worker.join(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.interrupt();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
