package dev.deliberate.align.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One model served by several OpenAI-compatible servers ({@link EndpointPool}): the same requests and answers as
 * {@link OpenAiChatModel}, spread over the pool. {@link #chatAsync} holds no thread while a call is in flight, and
 * {@link #chatBatch} sends a whole batch at once, so a caller can keep hundreds of calls going; the synchronous
 * {@link #chat} waits for one. Calls are not streamed: {@code chatStreaming} hands each answer out whole.
 */
public final class PooledChatModel implements ChatModel {
    private final String model;
    private final EndpointPool pool;
    private final OpenAiChatModel wire; // request bodies and response parsing, shared with the single-endpoint client
    private final String id;

    public PooledChatModel(String model, EndpointPool pool) {
        this.model = model;
        this.pool = pool;
        this.wire = new OpenAiChatModel(OpenAiChatModel.Options.of(pool.specs().getFirst().baseUrl(), model));
        this.id = String.join(",", pool.specs().stream().map(s -> s.baseUrl().toString()).toList()) + "#" + model;
    }

    /** The endpoints joined by commas, then {@code #model}: the reference that names this pool inline. */
    @Override
    public String id() {
        return id;
    }

    public String model() {
        return model;
    }

    public EndpointPool pool() {
        return pool;
    }

    @Override
    public String toString() {
        return "PooledChatModel[" + id + "]";
    }

    /** Asks for {@code params.n()} completions; servers that return fewer choices are asked again for the rest. */
    public CompletableFuture<List<Completion>> chatAsync(List<Message> messages, SamplingParams params) {
        return collect(messages, params, new ArrayList<>(params.n()));
    }

    private CompletableFuture<List<Completion>> collect(List<Message> messages, SamplingParams params, List<Completion> have) {
        SamplingParams ask = params.withN(params.n() - have.size());
        String body = wire.requestBody(messages, ask, false);
        double tokens = body.length() / 4.0 + (double) ask.maxTokens() * ask.n();
        return pool.post(body, tokens).thenCompose(root -> {
            List<Completion> got = wire.parseCompletions(root);
            if (got.isEmpty()) throw new ModelCallException("endpoint pool for " + model + ": a server returned no choices", 200, false, null);
            have.addAll(got.subList(0, Math.min(got.size(), params.n() - have.size())));
            return have.size() >= params.n() ? CompletableFuture.completedFuture(List.copyOf(have)) : collect(messages, params, have);
        });
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        return await(chatAsync(messages, params));
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        var futures = requests.stream().map(r -> chatAsync(r.messages(), r.params())).toList();
        var out = new ArrayList<List<Completion>>(futures.size());
        for (var f : futures) out.add(await(f));
        return out;
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new ModelCallException("interrupted", 0, false, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof CompletionException && c.getCause() != null) c = c.getCause();
            if (c instanceof RuntimeException r) throw r;
            throw new ModelCallException(String.valueOf(c), 0, false, c);
        }
    }

    @Override
    public void close() {
        pool.close();
        wire.close();
    }
}
