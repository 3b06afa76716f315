package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.StepwiseChatModel;
import dev.deliberate.align.llm.ThinkStreamSplitter;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Iteration-level scheduling (Orca, Yu et al. 2022): between two decode steps every free slot takes the next
 * waiting sample, so a short request never waits for a long one to finish and the batch stays full under load.
 * Each of a request's {@code n} samples is its own sequence; text goes out as deltas as soon as it is decoded.
 */
public final class ContinuousBatchingScheduler implements Scheduler {
    private static final System.Logger LOG = System.getLogger(ContinuousBatchingScheduler.class.getName());

    private static final class Pending {
        final ChatRequest request;
        final Consumer<ChatDelta> onDelta;
        final CompletableFuture<List<Completion>> result = new CompletableFuture<>();
        final Completion[] done;
        int nextSample, remaining;

        Pending(ChatRequest request, Consumer<ChatDelta> onDelta) {
            this.request = request;
            this.onDelta = onDelta;
            this.done = new Completion[request.params().n()];
            this.remaining = done.length;
        }
    }

    private record Running(Pending owner, int sample, ThinkStreamSplitter splitter) {}

    private final StepwiseChatModel model;
    private final int maxQueue, slots;
    private final BlockingQueue<Pending> queue;
    private final Thread worker;
    private volatile boolean open = true;

    public ContinuousBatchingScheduler(StepwiseChatModel model, int maxQueue, int slots) {
        if (maxQueue < 1 || slots < 1) throw new IllegalArgumentException("max-queue and slots must be >= 1, got " + maxQueue + " and " + slots);
        this.model = model;
        this.maxQueue = maxQueue;
        this.slots = slots;
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.worker = Thread.ofPlatform().name("continuous-batching").daemon().start(this::run);
    }

    @Override
    public CompletableFuture<List<Completion>> submit(ChatRequest request, Consumer<ChatDelta> onDelta) {
        if (!open) throw new ShuttingDown();
        var p = new Pending(request, onDelta);
        if (!queue.offer(p)) throw new QueueFull(maxQueue);
        return p.result;
    }

    @Override
    public int queued() {
        return queue.size();
    }

    private void run() {
        var admitting = new ArrayDeque<Pending>(); // requests with samples not yet in a slot
        var running = new HashMap<Long, Running>();
        StepwiseChatModel.DecodeSession session = model.open(slots);
        try {
            while (open || !queue.isEmpty() || !admitting.isEmpty() || !running.isEmpty()) {
                if (running.isEmpty() && admitting.isEmpty()) {
                    Pending p = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (p == null) continue;
                    admitting.add(p);
                }
                queue.drainTo(admitting, Math.max(0, session.free() - admitting.size()));
                while (session.free() > 0 && !admitting.isEmpty()) {
                    Pending p = admitting.peek();
                    long id = session.admit(p.request.messages(), p.request.params(), p.nextSample);
                    running.put(id, new Running(p, p.nextSample, new ThinkStreamSplitter()));
                    if (++p.nextSample == p.done.length) admitting.poll();
                }
                List<StepwiseChatModel.Step> steps;
                try {
                    steps = session.step();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "decode step failed, failing " + running.size() + " sequences: " + e);
                    failAll(running, admitting, e);
                    session.close();
                    session = model.open(slots);
                    continue;
                }
                for (var s : steps) deliver(running, s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session.close();
            failAll(running, admitting, new ShuttingDown());
            Pending p;
            while ((p = queue.poll()) != null) p.result.completeExceptionally(new ShuttingDown());
        }
    }

    private static void deliver(Map<Long, Running> running, StepwiseChatModel.Step s) {
        Running r = running.get(s.sequence());
        if (r == null) return;
        Pending p = r.owner();
        if (!s.text().isEmpty()) emit(p, r.sample(), r.splitter().accept(s.text()));
        if (s.finished() == null) return;
        emit(p, r.sample(), r.splitter().finish());
        running.remove(s.sequence());
        p.done[r.sample()] = s.finished();
        if (--p.remaining == 0) p.result.complete(List.of(p.done));
    }

    private static void emit(Pending p, int sample, ThinkStreamSplitter.Piece piece) {
        if (p.onDelta != null && !piece.isEmpty()) p.onDelta.accept(new ChatDelta(sample, piece.reasoning(), piece.answer()));
    }

    private static void failAll(Map<Long, Running> running, ArrayDeque<Pending> admitting, RuntimeException e) {
        for (Running r : running.values()) r.owner().result.completeExceptionally(e);
        running.clear();
        for (Pending p : admitting) p.result.completeExceptionally(e);
        admitting.clear();
    }

    /** Waits up to {@code grace} for queued and running work, then fails the rest. */
    public void close(Duration grace) {
        open = false;
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

    @Override
    public String toString() {
        return "ContinuousBatchingScheduler[" + slots + " slots, queue " + maxQueue + "]";
    }
}
