package dev.deliberate.bench;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in for a decoder with the cost shape that makes batching pay: each of {@code tokens} decode steps
 * costs a fixed {@code perStep} (reading the weights) plus {@code perItem} for every sequence in the batch.
 * It sleeps for that time and answers {@code tokens} words. Swap in a tiny engine checkpoint with
 * {@code deliberate bench server --model DIR} once the engine is wired in.
 */
public final class ServerCostModel implements ChatModel {
    private final Duration perStep, perItem;
    private final int tokens;

    public ServerCostModel(Duration perStep, Duration perItem, int tokens) {
        if (tokens < 1) throw new IllegalArgumentException("tokens must be >= 1, got " + tokens);
        this.perStep = perStep;
        this.perItem = perItem;
        this.tokens = tokens;
    }

    @Override
    public String id() {
        return "bench:cost(step=" + perStep.toNanos() / 1e6 + "ms,item=" + perItem.toNanos() / 1e6 + "ms,tokens=" + tokens + ")";
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        return chatBatch(List.of(new ChatRequest(messages, params))).getFirst();
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        int sequences = requests.stream().mapToInt(r -> r.params().n()).sum();
        int steps = requests.stream().mapToInt(r -> Math.min(tokens, r.params().maxTokens())).max().orElse(0);
        long nanos = steps * (perStep.toNanos() + sequences * perItem.toNanos());
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        var out = new ArrayList<List<Completion>>(requests.size());
        for (ChatRequest r : requests) {
            int t = Math.min(tokens, r.params().maxTokens());
            var cs = new ArrayList<Completion>(r.params().n());
            for (int i = 0; i < r.params().n(); i++)
                cs.add(new Completion("", "tok ".repeat(t).strip(), t < tokens ? "length" : "stop", new Completion.Usage(8, t, 0)));
            out.add(cs);
        }
        return out;
    }
}
