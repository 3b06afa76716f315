package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.deliberate.align.llm.ApiKey;
import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.ModelCallException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An OpenAI-compatible HTTP server ({@code GET /v1/models}, {@code POST /v1/chat/completions}, plain or
 * streamed as server-sent events) in front of a {@link Scheduler}. It checks the bearer token when one is
 * configured, refuses bodies over the size limit (413), answers 429 when the scheduler's queue is full, and
 * reports every problem as an OpenAI error body. Reasoning goes out as {@code reasoning_content}, apart from
 * {@code content}, as vLLM does for reasoning models.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OpenAiServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param host         address to bind; loopback unless the operator means otherwise
     * @param port         0 picks a free port
     * @param apiKey       the bearer token clients must send; null = no auth
     * @param maxBodyBytes larger request bodies get 413
     * @param limits       bounds and defaults for request fields
     */
    public record Options(String host, int port, ApiKey apiKey, int maxBodyBytes, ChatCompletionRequest.Limits limits) {
        public Options {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            if (maxBodyBytes < 1024) throw new IllegalArgumentException("max body size must be at least 1024 bytes, got " + maxBodyBytes);
        }

        public static Options loopback(int port) {
            return new Options("127.0.0.1", port, null, 4 << 20, ChatCompletionRequest.Limits.DEFAULT);
        }

        public Options withApiKey(ApiKey key) {
            return new Options(host, port, key, maxBodyBytes, limits);
        }

        public Options withMaxBodyBytes(int bytes) {
            return new Options(host, port, apiKey, bytes, limits);
        }
    }

    private final String modelName;
    private final Scheduler scheduler;
    private final Options options;
    private final HttpServer http;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final long created = System.currentTimeMillis() / 1000;
    private volatile boolean stopping;
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    /** Binds and starts serving {@code modelName} (the name clients put in {@code model}). */
    public OpenAiServer(String modelName, Scheduler scheduler, Options options) throws IOException {
        this.modelName = modelName;
        this.scheduler = scheduler;
        this.options = options;
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /** The URL clients use as their base URL, e.g. {@code http://127.0.0.1:8000/v1}. */
    public URI baseUrl() {
        String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + h + ":" + port() + "/v1");
    }

    public String modelName() {
        return modelName;
    }

    /** Stops accepting connections, lets requests in progress finish within {@code grace}, then stops the scheduler. */
    public void stop(Duration grace) {
        if (stopped.getAndSet(true)) return;
        stopping = true;
        // wait for our own handlers rather than HttpServer.stop's delay, which can sit out the whole delay on idle keep-alive connections
        long deadline = System.nanoTime() + grace.toNanos();
        while (active.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        http.stop(0);
        scheduler.close();
        handlers.shutdown();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }

    // ---- routing -----------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        active.incrementAndGet();
        try (ex) {
            String path = ex.getRequestURI().getPath().replaceAll("/+$", "");
            String method = ex.getRequestMethod();
            try {
                if (path.equals("/health")) {
                    send(ex, 200, "{\"status\":\"ok\"}");
                    return;
                }
                if (!path.startsWith("/v1/")) throw new ApiError(404, "invalid_request_error", null, "unknown_url", "no route for " + method + " " + path + "; the API lives under /v1");
                authorize(ex);
                switch (path) {
                    case "/v1/models" -> {
                        allow(method, "GET");
                        ObjectNode list = JSON.createObjectNode().put("object", "list");
                        list.putArray("data").add(modelCard());
                        send(ex, 200, list.toString());
                    }
                    case "/v1/chat/completions" -> {
                        allow(method, "POST");
                        chatCompletions(ex);
                    }
                    default -> {
                        if (path.startsWith("/v1/models/")) {
                            allow(method, "GET");
                            String id = path.substring("/v1/models/".length()); // getPath() has decoded it already
                            if (!id.equals(modelName)) throw unknownModel(id);
                            send(ex, 200, modelCard().toString());
                        } else {
                            throw new ApiError(404, "invalid_request_error", null, "unknown_url", "no route for " + method + " " + path + "; this server offers /v1/models and /v1/chat/completions");
                        }
                    }
                }
            } catch (ApiError e) {
                if (e.status() == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                if (e.status() == 429) ex.getResponseHeaders().set("Retry-After", "1");
                sendQuietly(ex, e.status(), e.body(JSON));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "client connection lost: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "request failed: " + e, e);
                sendQuietly(ex, 500, new ApiError(500, "server_error", null, null, "internal error: " + e.getMessage()).body(JSON));
            }
        } finally {
            active.decrementAndGet();
        }
    }

    private ObjectNode modelCard() {
        return JSON.createObjectNode().put("id", modelName).put("object", "model").put("created", created).put("owned_by", "deliberate");
    }

    private void authorize(HttpExchange ex) {
        if (options.apiKey() == null) return;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String token = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
        if (!options.apiKey().matches(token))
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    token == null ? "missing API key: send it as 'Authorization: Bearer <key>'" : "incorrect API key provided");
    }

    private static void allow(String method, String allowed) {
        if (!method.equalsIgnoreCase(allowed))
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", method + " is not allowed here; use " + allowed);
    }

    private ApiError unknownModel(String name) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "the model '" + name + "' does not exist on this server; it serves '" + modelName + "'");
    }

    // ---- chat completions --------------------------------------------------------------------------------

    private JsonNode readJson(HttpExchange ex) throws IOException {
        int max = options.maxBodyBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > max) throw tooLarge(Long.parseLong(declared.strip()));
            } catch (NumberFormatException e) {
                throw ApiError.invalid(null, "the Content-Length header is not a number");
            }
        }
        InputStream in = ex.getRequestBody();
        byte[] body = in.readNBytes(max + 1);
        if (body.length > max) throw tooLarge(-1);
        if (body.length == 0) throw ApiError.invalid(null, "the request body is empty; send a JSON object");
        try {
            return JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            throw ApiError.invalid(null, "could not parse the JSON body of your request" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage() + " (send one JSON object)");
        }
    }

    private ApiError tooLarge(long size) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large",
                "the request body " + (size >= 0 ? "(" + size + " bytes) " : "") + "exceeds this server's limit of " + options.maxBodyBytes() + " bytes");
    }

    private void chatCompletions(HttpExchange ex) throws IOException {
        if (stopping) throw new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
        var req = ChatCompletionRequest.parse(readJson(ex), options.limits());
        if (!req.model().equals(modelName)) throw unknownModel(req.model());
        String id = "chatcmpl-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        long now = System.currentTimeMillis() / 1000;
        if (req.stream()) {
            stream(ex, req, id, now);
            return;
        }
        List<Completion> cs = await(submit(req, null));
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", now).put("model", modelName);
        var choices = root.putArray("choices");
        for (int i = 0; i < cs.size(); i++) {
            Completion c = cs.get(i);
            ObjectNode choice = choices.addObject().put("index", i);
            ObjectNode msg = choice.putObject("message").put("role", "assistant").put("content", c.answer());
            if (!c.reasoning().isEmpty()) msg.put("reasoning_content", c.reasoning());
            msg.putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", c.finishReason());
        }
        root.set("usage", usage(cs));
        send(ex, 200, root.toString());
    }

    private CompletableFuture<List<Completion>> submit(ChatCompletionRequest req, java.util.function.Consumer<ChatDelta> onDelta) {
        try {
            return scheduler.submit(req.chat(), onDelta);
        } catch (Scheduler.QueueFull e) {
            throw new ApiError(429, "rate_limit_error", null, "rate_limit_exceeded", e.getMessage());
        } catch (Scheduler.ShuttingDown e) {
            throw new ApiError(503, "server_error", null, "shutting_down", e.getMessage());
        }
    }

    private static List<Completion> await(CompletableFuture<List<Completion>> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, null, "interrupted");
        } catch (ExecutionException e) {
            throw modelError(e.getCause());
        }
    }

    /** Upstream 4xx keep their status (the caller sent something the model refuses); anything else is ours or upstream's fault. */
    private static ApiError modelError(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        if (t instanceof Scheduler.ShuttingDown) return new ApiError(503, "server_error", null, "shutting_down", t.getMessage());
        if (t instanceof ModelCallException m) {
            if (m.status() >= 400 && m.status() < 500 && m.status() != 429 && m.status() != 401 && m.status() != 403)
                return new ApiError(m.status(), "invalid_request_error", null, "upstream_rejected", m.getMessage());
            return new ApiError(502, "upstream_error", null, null, "the upstream model failed: " + m.getMessage());
        }
        if (t instanceof IllegalArgumentException) return ApiError.invalid(null, t.getMessage());
        LOG.log(System.Logger.Level.WARNING, "model failed: " + t, t);
        return new ApiError(500, "server_error", null, null, "the model failed: " + t);
    }

    private static ObjectNode usage(List<Completion> cs) {
        int prompt = 0, completion = 0, reasoning = 0;
        for (Completion c : cs) {
            prompt = Math.max(prompt, c.usage().promptTokens());
            completion += Math.max(0, c.usage().completionTokens());
            reasoning += Math.max(0, c.usage().reasoningTokens());
        }
        ObjectNode u = JSON.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
        u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        return u;
    }

    // ---- streaming ---------------------------------------------------------------------------------------

    private static final Object END = new Object();

    private void stream(HttpExchange ex, ChatCompletionRequest req, String id, long now) throws IOException {
        // the scheduler's thread only enqueues; this handler's own thread writes, so a slow client slows only itself
        var events = new LinkedBlockingQueue<Object>();
        var result = submit(req, events::add);
        result.whenComplete((r, e) -> events.add(END));
        Object first;
        try {
            first = events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
        }
        // a request the model refuses outright (an upstream 4xx, say) still gets a proper status, as OpenAI's does
        if (first == END && result.isCompletedExceptionally()) throw modelError(result.exceptionNow());
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        int n = req.chat().params().n();
        for (int i = 0; i < n; i++) {
            ObjectNode c = chunk(id, now);
            ObjectNode choice = c.withArray("choices").addObject().put("index", i);
            choice.putObject("delta").put("role", "assistant").put("content", "");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            event(out, c.toString());
        }
        try {
            for (Object e = first; e != END; e = events.take()) {
                var d = (ChatDelta) e;
                ObjectNode c = chunk(id, now);
                ObjectNode choice = c.withArray("choices").addObject().put("index", d.index());
                ObjectNode delta = choice.putObject("delta");
                if (!d.reasoning().isEmpty()) delta.put("reasoning_content", d.reasoning());
                if (!d.answer().isEmpty()) delta.put("content", d.answer());
                choice.putNull("logprobs");
                choice.putNull("finish_reason");
                event(out, c.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Completion> cs;
        try {
            cs = result.getNow(null);
        } catch (CompletionException e) {
            event(out, modelError(e.getCause()).body(JSON)); // headers are gone: the error travels in the stream, as OpenAI does
            event(out, "[DONE]");
            return;
        }
        if (cs == null) { // interrupted before the model finished
            event(out, new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down").body(JSON));
            return;
        }
        for (int i = 0; i < cs.size(); i++) {
            ObjectNode c = chunk(id, now);
            ObjectNode choice = c.withArray("choices").addObject().put("index", i);
            choice.putObject("delta");
            choice.putNull("logprobs");
            choice.put("finish_reason", cs.get(i).finishReason());
            event(out, c.toString());
        }
        if (req.includeUsage()) {
            ObjectNode c = chunk(id, now);
            c.putArray("choices");
            c.set("usage", usage(cs));
            event(out, c.toString());
        }
        event(out, "[DONE]");
    }

    private ObjectNode chunk(String id, long now) {
        return JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", now).put("model", modelName);
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ---- plumbing ----------------------------------------------------------------------------------------

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static void sendQuietly(HttpExchange ex, int status, String body) {
        try {
            // drain what the client sent so it sees our answer instead of a reset
            ex.getRequestBody().skip(16L << 20);
        } catch (IOException ignored) {
            // nothing to drain
        }
        try {
            send(ex, status, body);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not send the " + status + " error: " + e.getMessage());
        }
    }
}
