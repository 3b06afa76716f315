package dev.deliberate.align.demo;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.engine.generate.Generation;
import dev.deliberate.engine.generate.Generator;
import dev.deliberate.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The demo's student as a {@link ChatModel}: ChatML prompt, engine decoding, {@code <think>} split. Calls from
 * several threads (the eval harness runs cells in parallel) are gathered and decoded together as one batch, since
 * one model decodes a batch of sequences for little more than the cost of one.
 */
final class StudentChatModel implements ChatModel {
    private final String id;
    private final Transformer model;
    private final StudentTokens tokens;
    private final Object lock = new Object();
    private final List<Pending> pending = new ArrayList<>();
    private boolean decoding;

    private record Pending(ChatRequest request, CompletableFuture<List<Completion>> result) {}

    StudentChatModel(String id, Transformer model, StudentTokens tokens) {
        this.id = id;
        this.model = model;
        this.tokens = tokens;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        var p = new Pending(new ChatRequest(messages, params), new CompletableFuture<>());
        boolean lead;
        synchronized (lock) {
            pending.add(p);
            lead = !decoding;
            if (lead) decoding = true;
        }
        if (lead) drain();
        return p.result().join();
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        return decode(requests);
    }

    /** The leader decodes whatever is pending, batch after batch, until nothing is left. */
    private void drain() {
        while (true) {
            List<Pending> batch;
            synchronized (lock) {
                if (pending.isEmpty()) {
                    decoding = false;
                    return;
                }
                batch = List.copyOf(pending);
                pending.clear();
            }
            try {
                var out = decode(batch.stream().map(Pending::request).toList());
                for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(out.get(i));
            } catch (RuntimeException e) {
                batch.forEach(b -> b.result().completeExceptionally(e));
            }
        }
    }

    /** Decodes requests grouped by their sampling parameters (one engine batch per group). */
    List<List<Completion>> decode(List<ChatRequest> requests) {
        @SuppressWarnings("unchecked") List<Completion>[] out = new List[requests.size()];
        var groups = new java.util.LinkedHashMap<SamplingParams, List<Integer>>();
        for (int i = 0; i < requests.size(); i++) groups.computeIfAbsent(requests.get(i).params(), k -> new ArrayList<>()).add(i);
        for (var g : groups.entrySet()) {
            SamplingParams sp = g.getKey();
            List<int[]> prompts = g.getValue().stream().map(i -> tokens.prompt(requests.get(i).messages())).toList();
            int room = model.config().maxPositionEmbeddings() - prompts.stream().mapToInt(p -> p.length).max().orElse(0);
            if (room < 1) throw new IllegalArgumentException(id + ": a prompt fills the whole context of " + model.config().maxPositionEmbeddings() + " tokens");
            var gens = Generator.generate(model, prompts, tokens.engineParams(sp, Math.min(sp.maxTokens(), room)), sp.n(), tokens::decodeRaw);
            for (int j = 0; j < prompts.size(); j++) {
                var list = new ArrayList<Completion>();
                for (Generation gen : gens.get(j)) list.add(tokens.completion(gen, prompts.get(j).length));
                out[g.getValue().get(j)] = list;
            }
        }
        return Arrays.asList(out);
    }
}
