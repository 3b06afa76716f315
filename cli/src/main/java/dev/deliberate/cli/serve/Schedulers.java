package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.StepwiseChatModel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Picks the scheduler for a served model: a remote endpoint gets a {@link ConcurrentScheduler}, a
 * {@link StepwiseChatModel} (the local engine) a {@link ContinuousBatchingScheduler}, anything else a
 * {@link BatchingScheduler}. A model family with another way to share the hardware registers its own here.
 */
public final class Schedulers {
    private Schedulers() {}

    /**
     * @param maxQueue       requests that may wait (more get 429)
     * @param maxBatch       requests decoded together
     * @param maxConcurrency remote calls in flight (proxy mode)
     */
    public record Limits(int maxQueue, int maxBatch, int maxConcurrency) {
        public Limits {
            if (maxQueue < 1 || maxBatch < 1 || maxConcurrency < 1)
                throw new IllegalArgumentException("max-queue, max-batch and max-concurrency must be >= 1, got " + maxQueue + ", " + maxBatch + ", " + maxConcurrency);
        }
    }

    @FunctionalInterface
    public interface Factory {
        Scheduler create(ChatModel model, Limits limits);
    }

    private record Entry(Predicate<ChatModel> handles, Factory factory) {}

    private static final List<Entry> REGISTERED = new CopyOnWriteArrayList<>();

    /** Serves models that {@code handles} accepts with {@code factory}'s scheduler; later registrations win. */
    public static void register(Predicate<ChatModel> handles, Factory factory) {
        REGISTERED.addFirst(new Entry(handles, factory));
    }

    /** @param remote the model is an HTTP endpoint (we are a proxy) */
    public static Scheduler forModel(ChatModel model, boolean remote, Limits limits) {
        for (Entry e : REGISTERED) if (e.handles().test(model)) return e.factory().create(model, limits);
        if (remote) return new ConcurrentScheduler(model, limits.maxQueue(), limits.maxConcurrency());
        if (model instanceof StepwiseChatModel stepwise) return new ContinuousBatchingScheduler(stepwise, limits.maxQueue(), limits.maxBatch());
        return new BatchingScheduler(model, limits.maxQueue(), limits.maxBatch());
    }
}
