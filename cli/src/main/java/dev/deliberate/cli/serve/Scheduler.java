package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Decides when the model works on which request. The server only queues requests here; a scheduler may batch
 * them ({@link BatchingScheduler}), run them side by side ({@link ConcurrentScheduler}), or — for the local
 * engine — admit them into the free slots of a running decode (continuous batching).
 */
public interface Scheduler extends AutoCloseable {

    /**
     * Queues one request. {@code onDelta}, when not null, receives the text as it is produced (for streaming
     * responses); it is called from the scheduler's threads and must not block for long.
     *
     * @return completes with exactly {@code request.params().n()} completions, or exceptionally
     * @throws QueueFull when the queue is full; the server answers 429
     */
    CompletableFuture<List<Completion>> submit(ChatRequest request, Consumer<ChatDelta> onDelta);

    /**
     * Like {@link #submit(ChatRequest, Consumer)}, with the log-probability of every sampled token and the
     * {@code topLogprobs} likeliest alternatives in {@link Completion#logprobs} ({@code topLogprobs < 0}: none).
     * Cancelling the returned future ({@code cancel}) drops the request: a waiting one leaves the queue, a running one
     * frees its slots at the next decode step.
     */
    default CompletableFuture<List<Completion>> submit(ChatRequest request, int topLogprobs, Consumer<ChatDelta> onDelta) {
        if (topLogprobs >= 0) throw new UnsupportedOperationException("this scheduler's model gives no log-probabilities");
        return submit(request, onDelta);
    }

    /** Whether {@link #submit(ChatRequest, int, Consumer)} can return log-probabilities. */
    default boolean logprobs() {
        return false;
    }

    /** Whether {@link #submitText} works: the model continues raw text ({@code /v1/completions}). */
    default boolean completesText() {
        return false;
    }

    /**
     * Queues a raw text prompt for {@link dev.deliberate.align.llm.ChatModel#complete}; cancelling the future drops it.
     *
     * @throws QueueFull when the queue is full
     */
    default CompletableFuture<List<Completion>> submitText(String prompt, dev.deliberate.align.llm.SamplingParams params) {
        throw new UnsupportedOperationException("this scheduler's model does not continue raw text");
    }

    /** Requests waiting for the model (not counting those it is working on). */
    int queued();

    /** Stops taking requests, lets queued and running ones finish, then fails whatever is left. */
    @Override
    void close();

    /** The queue is at its bound. */
    final class QueueFull extends RuntimeException {
        public QueueFull(int bound) {
            super("the server's queue is full (" + bound + " requests waiting); retry shortly", null, false, false);
        }
    }

    /** No more requests: the server is shutting down. */
    final class ShuttingDown extends RuntimeException {
        public ShuttingDown() {
            super("the server is shutting down", null, false, false);
        }
    }
}
