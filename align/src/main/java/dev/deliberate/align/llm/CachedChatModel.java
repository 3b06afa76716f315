package dev.deliberate.align.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A {@link ChatModel} that answers from a {@link ResponseCache} and asks the model only for the samples it lacks.
 * Without a seed the missing samples are independent draws, so only they are requested; with a seed the whole
 * request is made again and the missing indices kept, so that sample {@code i} is the one an uncached run with
 * the same seed would give.
 */
public final class CachedChatModel implements ChatModel.Delegating {
    private final ChatModel model;
    private final ResponseCache cache;
    private final boolean ownsCache;
    private final AtomicLong hits = new AtomicLong(), misses = new AtomicLong();

    /** Samples answered from the cache and samples the model had to produce. */
    public record Stats(long hits, long misses) {}

    /** @param ownsCache close the cache along with the model */
    public CachedChatModel(ChatModel model, ResponseCache cache, boolean ownsCache) {
        this.model = model;
        this.cache = cache;
        this.ownsCache = ownsCache;
    }

    /** Raw-text continuations and the teacher's own branching go straight to the model (they are not cached or batched). */
    @Override
    public ChatModel delegate() {
        return model;
    }

    @Override
    public String id() {
        return model.id();
    }

    public ChatModel uncached() {
        return model;
    }

    public Stats stats() {
        return new Stats(hits.get(), misses.get());
    }

    @Override
    public String toString() {
        return "Cached[" + model + " in " + cache.file() + "]";
    }

    /** What a request still needs from the model. */
    private record Lookup(String key, Completion[] have, List<Integer> missing, SamplingParams ask) {
        /** Where sample {@code j} of the model's answer goes, or -1 if it is not needed. */
        int target(int j, Long seed) {
            if (seed == null) return j < missing.size() ? missing.get(j) : -1;
            return missing.contains(j) ? j : -1;
        }
    }

    private Lookup lookup(List<Message> messages, SamplingParams params) {
        String key = ResponseCache.key(model.id(), messages, params);
        Map<Integer, Completion> cached = cache.get(key, params.n());
        var have = new Completion[params.n()];
        var missing = new ArrayList<Integer>();
        for (int i = 0; i < params.n(); i++) {
            have[i] = cached.get(i);
            if (have[i] == null) missing.add(i);
        }
        hits.addAndGet(params.n() - missing.size());
        misses.addAndGet(missing.size());
        SamplingParams ask = params.seed() == null ? params.withN(Math.max(1, missing.size())) : params;
        return new Lookup(key, have, missing, ask);
    }

    private List<Completion> store(Lookup l, SamplingParams params, List<Completion> fresh) {
        for (int j = 0; j < fresh.size(); j++) {
            int i = l.target(j, params.seed());
            if (i >= 0) l.have[i] = cache.putIfAbsent(l.key, i, model.id(), fresh.get(j));
        }
        for (int i = 0; i < l.have.length; i++)
            if (l.have[i] == null) throw new ModelCallException(model.id() + " returned " + fresh.size() + " completions, fewer than asked", 0, false, null);
        return List.of(l.have);
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        Lookup l = lookup(messages, params);
        if (l.missing.isEmpty()) return List.of(l.have);
        return store(l, params, model.chat(messages, l.ask));
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        var lookups = new ArrayList<Lookup>(requests.size());
        var asks = new ArrayList<ChatRequest>();
        for (ChatRequest r : requests) {
            Lookup l = lookup(r.messages(), r.params());
            lookups.add(l);
            if (!l.missing.isEmpty()) asks.add(new ChatRequest(r.messages(), l.ask));
        }
        List<List<Completion>> fresh = asks.isEmpty() ? List.of() : model.chatBatch(asks);
        var out = new ArrayList<List<Completion>>(requests.size());
        int next = 0;
        for (int k = 0; k < requests.size(); k++) {
            Lookup l = lookups.get(k);
            out.add(l.missing.isEmpty() ? List.of(l.have) : store(l, requests.get(k).params(), fresh.get(next++)));
        }
        return out;
    }

    @Override
    public List<Completion> chatStreaming(List<Message> messages, SamplingParams params, Consumer<ChatDelta> onDelta) {
        Lookup l = lookup(messages, params);
        for (int i = 0; i < l.have.length; i++) if (l.have[i] != null) ChatDelta.emitWhole(i, l.have[i], onDelta);
        if (l.missing.isEmpty()) return List.of(l.have);
        var streamed = new Completion[params.n()];
        List<Completion> fresh = model.chatStreaming(messages, l.ask, d -> {
            int i = l.target(d.index(), params.seed());
            if (i >= 0) onDelta.accept(new ChatDelta(i, d.reasoning(), d.answer()));
        });
        for (int j = 0; j < fresh.size(); j++) {
            int i = l.target(j, params.seed());
            if (i >= 0) streamed[i] = fresh.get(j);
        }
        store(l, params, fresh);
        // the caller saw the streamed text; if another writer won the race the cache keeps theirs for next time
        var out = new ArrayList<Completion>(params.n());
        for (int i = 0; i < params.n(); i++) out.add(streamed[i] != null ? streamed[i] : l.have[i]);
        return out;
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            if (ownsCache) cache.close();
        }
    }
}
