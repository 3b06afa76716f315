package dev.deliberate.align.demo;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Gathers {@link #chat} calls made at the same time on several threads (the eval harness runs its cells in
 * parallel) into one {@link ChatModel#chatBatch} of the model underneath: a local engine decodes a batch of
 * sequences for little more than the cost of one. The first caller decodes what is pending, batch after batch,
 * while the others wait for their completions.
 */
final class GatheringChatModel implements ChatModel {
    private final ChatModel model;
    private final List<Pending> pending = new ArrayList<>();
    private boolean decoding;

    private record Pending(ChatRequest request, CompletableFuture<List<Completion>> result) {}

    GatheringChatModel(ChatModel model) {
        this.model = model;
    }

    @Override
    public String id() {
        return model.id();
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        var p = new Pending(new ChatRequest(messages, params), new CompletableFuture<>());
        boolean lead;
        synchronized (pending) {
            pending.add(p);
            lead = !decoding;
            decoding = true;
        }
        if (lead) drain();
        return p.result().join();
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        return model.chatBatch(requests);
    }

    private void drain() {
        while (true) {
            List<Pending> batch;
            synchronized (pending) {
                if (pending.isEmpty()) {
                    decoding = false;
                    return;
                }
                batch = List.copyOf(pending);
                pending.clear();
            }
            try {
                var out = model.chatBatch(batch.stream().map(Pending::request).toList());
                for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(out.get(i));
            } catch (RuntimeException e) {
                batch.forEach(b -> b.result().completeExceptionally(e));
            }
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
