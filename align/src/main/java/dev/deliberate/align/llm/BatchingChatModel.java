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
 *
 * <p>Over a {@link StepwiseChatModel} (the local engine) the batch is continuous instead: one shared decode session,
 * and a free slot takes the next waiting request between two decode steps (see {@link #continuous}).
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
        if (model instanceof StepwiseChatModel sw) return continuous(sw, messages, params);
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

    // ---- iteration-level scheduling over a model that decodes step by step --------------------------------------

    /** A request's samples in the shared session: which are admitted, which are done. */
    private static final class InFlight {
        final ChatRequest request;
        final CompletableFuture<List<Completion>> result = new CompletableFuture<>();
        final Completion[] done;
        int admitted, remaining;

        InFlight(ChatRequest request) {
            this.request = request;
            this.done = new Completion[request.params().n()];
            this.remaining = done.length;
        }
    }

    private record Sample(InFlight owner, int index) {}

    private final ArrayDeque<InFlight> admitting = new ArrayDeque<>();
    private final java.util.Map<Long, Sample> running = new java.util.HashMap<>();
    private StepwiseChatModel.DecodeSession session;

    /**
     * Continuous batching (Orca, Yu et al. 2022): one decode session of {@code maxBatch} slots is shared by every
     * caller, and between two steps each free slot takes the next waiting sample, so a short answer never waits for a
     * long one and the batch stays full. No thread of its own: one caller at a time drives the session until its own
     * request is answered, then the next waiting caller whose request is still running takes over. A sample the
     * session refuses (a prompt too long for the context) fails its own request; when a step fails, the requests it
     * held are answered alone with {@link ChatModel#chat}.
     */
    private List<Completion> continuous(StepwiseChatModel sw, List<Message> messages, SamplingParams params) {
        var mine = new InFlight(new ChatRequest(messages, params));
        synchronized (lock) {
            admitting.add(mine);
            requests++;
        }
        while (true) {
            synchronized (lock) {
                while (decoding && !mine.result.isDone()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        if (mine.admitted == 0 && admitting.remove(mine)) {
                            Thread.currentThread().interrupt();
                            throw new ModelCallException("interrupted while waiting for a batch", 0, false, e);
                        }
                        Thread.currentThread().interrupt(); // its samples are running: wait for them, keep the flag
                    }
                }
                if (mine.result.isDone()) break;
                decoding = true;
            }
            try {
                drive(sw, mine);
            } finally {
                synchronized (lock) {
                    decoding = false;
                    if (running.isEmpty() && admitting.isEmpty() && session != null) {
                        session.close();
                        session = null;
                    }
                    lock.notifyAll();
                }
            }
        }
        try {
            return mine.result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /** Steps the shared session until {@code mine} is answered (the caller holds the driving role). */
    private void drive(StepwiseChatModel sw, InFlight mine) {
        while (!mine.result.isDone()) {
            synchronized (lock) {
                if (session == null) session = sw.open(maxBatch);
                while (session.free() > 0 && !admitting.isEmpty()) {
                    InFlight next = admitting.peek();
                    try {
                        long id = session.admit(next.request.messages(), next.request.params(), next.admitted);
                        running.put(id, new Sample(next, next.admitted++));
                    } catch (RuntimeException e) { // this request alone cannot be decoded: its caller hears why
                        admitting.poll();
                        cancelRunning(next);
                        next.result.completeExceptionally(e);
                        continue;
                    }
                    if (next.admitted == next.done.length) admitting.poll();
                }
                if (running.isEmpty()) return; // nothing left to step (mine failed at admission)
            }
            List<StepwiseChatModel.Step> steps;
            try {
                steps = session.step();
            } catch (RuntimeException e) {
                answerAlone();
                continue;
            }
            synchronized (lock) {
                batches++;
                for (var st : steps) {
                    if (st.finished() == null) continue;
                    Sample smp = running.remove(st.sequence());
                    if (smp == null) continue;
                    smp.owner().done[smp.index()] = st.finished();
                    if (--smp.owner().remaining == 0) smp.owner().result.complete(List.of(smp.owner().done));
                }
                lock.notifyAll();
            }
        }
    }

    /** A request failed: its other samples leave the session. */
    private void cancelRunning(InFlight r) {
        for (var it = running.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().owner() == r) {
                session.cancel(e.getKey());
                it.remove();
            }
        }
    }

    /** A step failed: the session is dropped and every request it held is answered alone. */
    private void answerAlone() {
        var held = new java.util.LinkedHashSet<InFlight>();
        synchronized (lock) {
            for (Sample smp : running.values()) held.add(smp.owner());
            running.clear();
            try {
                session.close();
            } catch (RuntimeException ignored) {
                // the session is gone either way
            }
            session = null;
            for (InFlight r : held) admitting.remove(r);
        }
        for (InFlight r : held) {
            try {
                r.result.complete(model.chat(r.request.messages(), r.request.params()));
            } catch (RuntimeException | Error e) {
                r.result.completeExceptionally(e);
            }
        }
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /**
     * For tests and logs: batches decoded and requests they held; for a model that decodes step by step, decode steps
     * and requests.
     */
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
