package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One worker feeds the model's {@link ChatModel#chatBatch}: whatever queued while the previous batch ran goes
 * into the next one (up to {@code maxBatch}), so under load the model sees full batches and when idle a lone
 * request starts at once. A batch that fails is retried request by request, so one bad request fails alone.
 */
public final class BatchingScheduler implements Scheduler {
    private static final System.Logger LOG = System.getLogger(BatchingScheduler.class.getName());

    private record Pending(ChatRequest request, Consumer<ChatDelta> onDelta, CompletableFuture<List<Completion>> result) {}

    private final ChatModel model;
    private final int maxQueue, maxBatch;
    private final BlockingQueue<Pending> queue;
    private final Thread worker;
    private volatile boolean open = true;

    public BatchingScheduler(ChatModel model, int maxQueue, int maxBatch) {
        if (maxQueue < 1 || maxBatch < 1) throw new IllegalArgumentException("max-queue and max-batch must be >= 1, got " + maxQueue + " and " + maxBatch);
        this.model = model;
        this.maxQueue = maxQueue;
        this.maxBatch = maxBatch;
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.worker = Thread.ofPlatform().name("batching-scheduler").daemon().start(this::run);
    }

    @Override
    public CompletableFuture<List<Completion>> submit(ChatRequest request, Consumer<ChatDelta> onDelta) {
        if (!open) throw new ShuttingDown();
        var p = new Pending(request, onDelta, new CompletableFuture<>());
        if (!queue.offer(p)) throw new QueueFull(maxQueue);
        return p.result;
    }

    @Override
    public int queued() {
        return queue.size();
    }

    private void run() {
        var batch = new ArrayList<Pending>(maxBatch);
        while (open || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                serve(batch);
            } catch (InterruptedException e) {
                break;
            }
        }
        Pending p;
        while ((p = queue.poll()) != null) p.result.completeExceptionally(new ShuttingDown());
    }

    private void serve(List<Pending> batch) {
        List<List<Completion>> out;
        try {
            out = model.chatBatch(batch.stream().map(Pending::request).toList());
        } catch (RuntimeException e) {
            if (batch.size() > 1) {
                LOG.log(System.Logger.Level.DEBUG, "batch of {0} failed ({1}); serving its requests one by one", batch.size(), e.getMessage());
                for (Pending p : batch) serve(List.of(p));
            } else {
                batch.getFirst().result.completeExceptionally(e);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            List<Completion> cs = out.get(i);
            if (p.onDelta != null) for (int k = 0; k < cs.size(); k++) ChatDelta.emitWhole(k, cs.get(k), p.onDelta);
            p.result.complete(cs);
        }
    }

    /** Waits up to {@code grace} for queued work, then fails the rest. */
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
}
