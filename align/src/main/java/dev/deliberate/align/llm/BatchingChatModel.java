package dev.deliberate.align.llm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Gathers {@link #chat} calls made at the same time on several threads into one {@link ChatModel#chatBatch} of the
 * model underneath: a local engine decodes a batch of sequences in one decode session for little more than the
 * cost of one. No thread of its own: a caller that finds no batch running takes up to {@code maxBatch} waiting
 * requests (its own among them, oldest first), decodes them and, once its own request is answered, hands over to
 * the next waiting caller. While a batch runs, new calls queue for the next one.
 *
 * <p>When a batch fails, each of its requests is retried alone with {@link ChatModel#chat}, so one bad request (a
 * prompt too long for the context, say) fails only its own caller.
 */
public final class BatchingChatModel implements ChatModel.Delegating {
    private final ChatModel model;
    private final int maxBatch;
    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean decoding;
    private long batches, requests;

    private record Pending(ChatRequest request, CompletableFuture<List<Completion>> result) {}

    /** @param maxBatch the most requests in one {@code chatBatch} (for a local model, its decode slots) */
    public BatchingChatModel(ChatModel model, int maxBatch) {
        this.model = Objects.requireNonNull(model, "model");
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        this.maxBatch = maxBatch;
    }

    /** The model underneath. */
    public ChatModel model() {
        return model;
    }

    /** Raw-text continuations and the teacher's own branching go straight to the model (they are not cached or batched). */
    @Override
    public ChatModel delegate() {
        return model;
    }

    @Override
    public String id() {
        return model.id();
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        var mine = new Pending(new ChatRequest(messages, params), new CompletableFuture<>());
        synchronized (lock) {
            queue.add(mine);
        }
        while (true) {
            List<Pending> batch = new ArrayList<>();
            synchronized (lock) {
                while (decoding && !mine.result().isDone()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        if (queue.remove(mine)) { // not taken yet: give up cleanly
                            Thread.currentThread().interrupt();
                            throw new ModelCallException("interrupted while waiting for a batch", 0, false, e);
                        }
                        Thread.currentThread().interrupt(); // already decoding: wait for it, keep the flag
                    }
                }
                if (mine.result().isDone()) break;
                decoding = true;
                while (batch.size() < maxBatch && !queue.isEmpty()) batch.add(queue.poll());
                batches++;
                requests += batch.size();
            }
            try {
                run(batch);
            } finally {
                synchronized (lock) {
                    decoding = false;
                    lock.notifyAll();
                }
            }
        }
        try {
            return mine.result().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /** Answers one gathered batch; never throws (each failure lands on its own request). */
    private void run(List<Pending> batch) {
        if (batch.size() > 1) {
            try {
                var out = model.chatBatch(batch.stream().map(Pending::request).toList());
                if (out.size() != batch.size())
                    throw new IllegalStateException(model.id() + ": chatBatch answered " + out.size() + " of " + batch.size() + " requests");
                for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(out.get(i));
                return;
            } catch (RuntimeException e) {
                // fall through: each request alone, so only the ones that fail by themselves fail
            }
        }
        for (Pending p : batch) {
            try {
                p.result().complete(model.chat(p.request().messages(), p.request().params()));
            } catch (RuntimeException | Error e) {
                p.result().completeExceptionally(e);
            }
        }
    }

    /** How many batches were decoded and how many requests they held, for tests and logs. */
    public long[] counts() {
        synchronized (lock) {
            return new long[] {batches, requests};
        }
    }

    /** Requests waiting for a batch (not yet taken). */
    int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        return model.chatBatch(requests);
    }

    @Override
    public List<Completion> chatStreaming(List<Message> messages, SamplingParams params, Consumer<ChatDelta> onDelta) {
        return model.chatStreaming(messages, params, onDelta);
    }

    @Override
    public void close() {
        model.close();
    }
}
