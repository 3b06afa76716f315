package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One worker feeds the model's {@link ChatModel#chatBatch}: whatever queued while the previous batch ran goes
 * into the next one (up to {@code maxBatch}), so under load the model sees full batches and when idle a lone
 * request starts at once. A batch that fails is retried request by request, so one bad request fails alone.
 * A request cancelled while it waits is dropped before its batch starts; once {@code chatBatch} runs it cannot be
 * stopped (a model that can stop mid-way is a {@link dev.deliberate.align.llm.StepwiseChatModel} and gets the
 * {@link ContinuousBatchingScheduler}, which frees a cancelled request's slots at the next step).
 */
public final class BatchingScheduler extends WorkerScheduler<WorkerScheduler.Pending> {
    private static final System.Logger LOG = System.getLogger(BatchingScheduler.class.getName());

    private final ChatModel model;

    public BatchingScheduler(ChatModel model, int maxQueue, int maxBatch) {
        super("batching-scheduler", maxQueue, maxBatch, "max-batch");
        this.model = model;
        start();
    }

    @Override
    Pending pending(ChatRequest request, int topLogprobs, Consumer<ChatDelta> onDelta) {
        return new Pending(request, topLogprobs, onDelta);
    }

    @Override
    ChatModel model() {
        return model;
    }

    @Override
    void serve() throws InterruptedException {
        var batch = new ArrayList<Pending>(width);
        while (open || !queue.isEmpty()) {
            Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
            if (first == null) continue;
            batch.clear();
            batch.add(first);
            queue.drainTo(batch, width - 1);
            batch.removeIf(Pending::abandoned); // clients that left while waiting cost nothing
            if (!batch.isEmpty()) serve(batch);
        }
    }

    private void serve(List<Pending> batch) {
        List<List<Completion>> out;
        try {
            out = model.chatBatch(batch.stream().map(p -> p.request).toList());
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
            if (p.abandoned()) continue;
            List<Completion> cs = out.get(i);
            if (p.onDelta != null) for (int k = 0; k < cs.size(); k++) ChatDelta.emitWhole(k, cs.get(k), p.onDelta);
            p.result.complete(cs);
        }
    }
}
