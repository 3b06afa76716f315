package dev.deliberate.bench;

import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.llm.StepwiseChatModel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A stand-in for a decoder with the cost shape that makes batching pay: each decode step costs a fixed
 * {@code perStep} (reading the weights) plus {@code perItem} for every sequence in the batch, and a sequence
 * takes {@code min(tokens, max_tokens)} steps, one word each. It sleeps for that time. A whole batch
 * ({@link #chatBatch}) runs as many steps as its longest member; a {@link #open session} admits sequences
 * between steps. Swap in a tiny engine checkpoint with {@code deliberate bench server --model DIR}.
 */
public final class ServerCostModel implements StepwiseChatModel {
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

    private int length(SamplingParams p) {
        return Math.min(tokens, p.maxTokens());
    }

    private Completion completion(int length) {
        return new Completion("", "tok ".repeat(length).strip(), length < tokens ? dev.deliberate.align.llm.FinishReason.LENGTH : dev.deliberate.align.llm.FinishReason.STOP, new Completion.Usage(8, length, 0));
    }

    private void spend(int steps, int sequences) {
        try {
            Thread.sleep(Duration.ofNanos(steps * (perStep.toNanos() + sequences * perItem.toNanos())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        return chatBatch(List.of(new ChatRequest(messages, params))).getFirst();
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        int sequences = requests.stream().mapToInt(r -> r.params().n()).sum();
        spend(requests.stream().mapToInt(r -> length(r.params())).max().orElse(0), sequences);
        var out = new ArrayList<List<Completion>>(requests.size());
        for (ChatRequest r : requests) {
            var cs = new ArrayList<Completion>(r.params().n());
            for (int i = 0; i < r.params().n(); i++) cs.add(completion(length(r.params())));
            out.add(cs);
        }
        return out;
    }

    @Override
    public DecodeSession open(int slots) {
        return new DecodeSession() {
            private final LinkedHashMap<Long, int[]> active = new LinkedHashMap<>(); // id -> {decoded, length}
            private long next;

            public int free() {
                return slots - active.size();
            }

            public long admit(List<Message> messages, SamplingParams params, int sample) {
                if (free() == 0) throw new IllegalStateException("no free slot");
                active.put(next, new int[]{0, length(params)});
                return next++;
            }

            public List<Step> step() {
                spend(1, active.size());
                var out = new ArrayList<Step>(active.size());
                for (var it = active.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    int[] s = e.getValue();
                    s[0]++;
                    boolean done = s[0] == s[1];
                    out.add(new Step(e.getKey(), s[0] == 1 ? "tok" : " tok", done ? completion(s[1]) : null));
                    if (done) it.remove();
                }
                return out;
            }

            public void cancel(long sequence) {
                active.remove(sequence);
            }

            public void close() {
                active.clear();
            }
        };
    }
}
