package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.StepwiseChatModel;
import dev.deliberate.align.llm.ThinkStreamSplitter;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Iteration-level scheduling (Orca, Yu et al. 2022): between two decode steps every free slot takes the next
 * waiting sample, so a short request never waits for a long one to finish and the batch stays full under load.
 * Each of a request's {@code n} samples is its own sequence; text goes out as deltas as soon as it is decoded. A
 * request cancelled by its client (the server cancels the future when the connection closes) frees all its slots
 * before the next step.
 */
public final class ContinuousBatchingScheduler extends WorkerScheduler<ContinuousBatchingScheduler.Tracked> {
    private static final System.Logger LOG = System.getLogger(ContinuousBatchingScheduler.class.getName());

    static final class Tracked extends Pending {
        final Completion[] done;
        int nextSample, remaining;

        Tracked(ChatRequest request, int topLogprobs, Consumer<ChatDelta> onDelta) {
            super(request, topLogprobs, onDelta);
            this.done = new Completion[request.params().n()];
            this.remaining = done.length;
        }
    }

    private record Running(Tracked owner, int sample, ThinkStreamSplitter splitter) {}

    private final StepwiseChatModel model;

    public ContinuousBatchingScheduler(StepwiseChatModel model, int maxQueue, int slots) {
        super("continuous-batching", maxQueue, slots, "slots");
        this.model = model;
        start();
    }

    @Override
    Tracked pending(ChatRequest request, int topLogprobs, Consumer<ChatDelta> onDelta) {
        return new Tracked(request, topLogprobs, onDelta);
    }

    @Override
    public boolean logprobs() {
        return model.logprobs();
    }

    @Override
    StepwiseChatModel model() {
        return model;
    }

    @Override
    void serve() throws InterruptedException {
        var admitting = new ArrayDeque<Tracked>(); // requests with samples not yet in a slot
        var running = new HashMap<Long, Running>();
        StepwiseChatModel.DecodeSession session = model.open(width);
        try {
            while (open || !queue.isEmpty() || !admitting.isEmpty() || !running.isEmpty()) {
                if (running.isEmpty() && admitting.isEmpty()) {
                    Tracked p = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (p == null) continue;
                    admitting.add(p);
                }
                // a request whose client left (or that failed) frees its slots before this step
                for (var it = running.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    if (e.getValue().owner().abandoned()) {
                        session.cancel(e.getKey());
                        it.remove();
                    }
                }
                admitting.removeIf(Pending::abandoned);
                queue.drainTo(admitting, Math.max(0, session.free() - admitting.size()));
                admitting.removeIf(Pending::abandoned);
                if (running.isEmpty() && admitting.isEmpty()) continue;
                while (session.free() > 0 && !admitting.isEmpty()) {
                    Tracked p = admitting.peek();
                    long id;
                    try {
                        id = session.admit(p.request.messages(), p.request.params(), p.nextSample, p.topLogprobs);
                    } catch (RuntimeException e) { // this request's fault (a prompt too long for the context): fail it alone
                        admitting.poll();
                        p.result.completeExceptionally(e);
                        continue;
                    }
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
                    session = model.open(width);
                    continue;
                }
                for (var s : steps) deliver(running, s);
            }
        } finally {
            session.close();
            failAll(running, admitting, new ShuttingDown());
        }
    }

    private static void deliver(Map<Long, Running> running, StepwiseChatModel.Step s) {
        Running r = running.get(s.sequence());
        if (r == null) return;
        Tracked p = r.owner();
        if (p.result.isDone()) { // failed at admission of a later sample: the rest of its sequences only run out
            if (s.finished() != null) running.remove(s.sequence());
            return;
        }
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

    private static void failAll(Map<Long, Running> running, ArrayDeque<Tracked> admitting, RuntimeException e) {
        for (Running r : running.values()) r.owner().result.completeExceptionally(e);
        running.clear();
        for (Tracked p : admitting) p.result.completeExceptionally(e);
        admitting.clear();
    }
}
