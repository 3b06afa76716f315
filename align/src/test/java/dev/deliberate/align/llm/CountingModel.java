package dev.deliberate.align.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model whose every completion is new: "draw K" for the K-th sample it ever produced, or, with a seed,
 * "seed S sample i" — what a seeded backend gives. Records each call's n so tests can count what was asked.
 */
final class CountingModel implements ChatModel {
    final AtomicInteger draws = new AtomicInteger();
    final List<Integer> askedN = new CopyOnWriteArrayList<>();

    public String id() {
        return "test:counting";
    }

    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        askedN.add(params.n());
        var out = new ArrayList<Completion>();
        for (int i = 0; i < params.n(); i++) {
            String answer = params.seed() == null ? "draw " + draws.getAndIncrement() : "seed " + params.seed() + " sample " + i;
            out.add(new Completion("thinking about " + messages.getLast().content(), answer, "stop", new Completion.Usage(3, 4, 2)));
        }
        return out;
    }
}
