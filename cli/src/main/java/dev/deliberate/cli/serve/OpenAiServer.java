package dev.deliberate.cli.serve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.llm.ApiKey;
import dev.deliberate.align.llm.ChatDelta;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.ModelCallException;
import dev.deliberate.align.llm.TokenLogprob;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An OpenAI-compatible HTTP server ({@code GET /v1/models}, {@code POST /v1/chat/completions}, plain or
 * streamed as server-sent events) in front of a {@link Scheduler}. Every request passes one pipeline before an
 * endpoint sees it ({@link #handle}): a foreign {@code Origin} is refused (403) unless allowed, the bearer token is
 * checked when one is configured (401), a POST must be {@code application/json} (415), fit the size limit (413) and
 * arrive in time (408), and parse as exactly one JSON value (400). A client that goes away while its answer is being
 * made has its request cancelled, so the model stops working for nobody. Reasoning goes out as
 * {@code reasoning_content}, apart from {@code content}, as vLLM does for reasoning models.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OpenAiServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Request bodies: one JSON value, nothing after it, no key twice. */
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** How often a waiting handler looks whether its client is still there. */
    private static final long PROBE_MILLIS = 20;

    /**
     * @param host           address to bind; loopback unless the operator means otherwise
     * @param port           0 picks a free port
     * @param apiKey         the bearer token clients must send; null = no auth
     * @param maxBodyBytes   larger request bodies get 413
     * @param limits         bounds and defaults for request fields
     * @param allowedOrigins origins (scheme://host[:port]) besides this server's own that browsers may call it from;
     *                       {@code *} allows any
     * @param http           connection limits: header/body/idle timeouts, the connection cap
     */
    public record Options(String host, int port, ApiKey apiKey, int maxBodyBytes, ChatCompletionRequest.Limits limits,
                          List<String> allowedOrigins, Http1Server.Limits http) {
        public Options {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            if (maxBodyBytes < 1024) throw new IllegalArgumentException("max body size must be at least 1024 bytes, got " + maxBodyBytes);
            allowedOrigins = allowedOrigins.stream().map(OpenAiServer::normalizeOrigin).toList();
            Objects.requireNonNull(http, "http");
        }

        public Options(String host, int port, ApiKey apiKey, int maxBodyBytes, ChatCompletionRequest.Limits limits) {
            this(host, port, apiKey, maxBodyBytes, limits, List.of(), Http1Server.Limits.DEFAULT);
        }

        public static Options loopback(int port) {
            return new Options("127.0.0.1", port, null, 4 << 20, ChatCompletionRequest.Limits.DEFAULT);
        }

        public Options withApiKey(ApiKey key) {
            return new Options(host, port, key, maxBodyBytes, limits, allowedOrigins, http);
        }

        public Options withMaxBodyBytes(int bytes) {
            return new Options(host, port, apiKey, bytes, limits, allowedOrigins, http);
        }

        public Options withAllowedOrigins(List<String> origins) {
            return new Options(host, port, apiKey, maxBodyBytes, limits, origins, http);
        }

        public Options withHttpLimits(Http1Server.Limits l) {
            return new Options(host, port, apiKey, maxBodyBytes, limits, allowedOrigins, l);
        }

        public Options withLimits(ChatCompletionRequest.Limits l) {
            return new Options(host, port, apiKey, maxBodyBytes, l, allowedOrigins, http);
        }
    }

    /** An endpoint behind the pipeline; it answers through {@link Exchange#send} or streams through {@link Exchange#http}. */
    @FunctionalInterface
    public interface Endpoint {
        void handle(Exchange ex) throws IOException;
    }

    /** A route: {@code path} exactly (no trailing slash), or every path under it when it ends with {@code /}. */
    public record Route(String method, String path, Endpoint endpoint) {
        boolean matches(String p) {
            return path.endsWith("/") ? p.startsWith(path) && p.length() > path.length() : p.equals(path);
        }
    }

    /** A request that passed the pipeline: its parsed JSON body (POST) and the ways to answer. */
    public static final class Exchange {
        private final HttpCall http;
        private final JsonNode body;
        private final String path;

        Exchange(HttpCall http, JsonNode body, String path) {
            this.http = http;
            this.body = body;
            this.path = path;
        }

        public HttpCall http() {
            return http;
        }

        /** The request's JSON (a POST's body; null for a GET). */
        public JsonNode body() {
            return body;
        }

        /** The path without trailing slashes. */
        public String path() {
            return path;
        }

        public void send(int status, String json) throws IOException {
            http.send(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Waits for {@code f}, looking every few milliseconds whether the client is still there; when it has gone,
         * {@code f} is cancelled (its scheduler drops the work at its next step) and {@link ClientGone} is thrown.
         */
        public <T> T await(CompletableFuture<T> f) {
            while (true) {
                try {
                    return f.get(PROBE_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (http.clientGone()) {
                        f.cancel(true);
                        throw new ClientGone();
                    }
                } catch (InterruptedException e) {
                    f.cancel(true);
                    Thread.currentThread().interrupt();
                    throw new ApiError(503, "server_error", null, "shutting_down", "interrupted");
                } catch (CancellationException e) {
                    throw new ClientGone();
                } catch (ExecutionException e) {
                    throw modelError(e.getCause());
                }
            }
        }
    }

    /** The client closed its connection; nothing is sent. */
    public static final class ClientGone extends RuntimeException {
        ClientGone() {
            super("the client went away", null, false, false);
        }
    }

    private final String modelName;
    private final Scheduler scheduler;
    private final Options options;
    private final List<Route> routes = new ArrayList<>();
    private final Http1Server http;
    private final long created = System.currentTimeMillis() / 1000;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean stopping;

    /** Binds and starts serving {@code modelName} (the name clients put in {@code model}). */
    public OpenAiServer(String modelName, Scheduler scheduler, Options options) throws IOException {
        this(modelName, scheduler, options, List.of());
    }

    /**
     * Also serves {@code extra} routes (checked before the built-in ones, and the only ones outside {@code /v1/}),
     * behind the same pipeline; a null {@code scheduler} serves no chat completions.
     */
    public OpenAiServer(String modelName, Scheduler scheduler, Options options, List<Route> extra) throws IOException {
        this.modelName = modelName;
        this.scheduler = scheduler;
        this.options = options;
        routes.addAll(extra);
        routes.add(new Route("GET", "/v1/models", ex -> {
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            list.putArray("data").add(modelCard());
            ex.send(200, list.toString());
        }));
        routes.add(new Route("GET", "/v1/models/", ex -> {
            String id = ex.path().substring("/v1/models/".length()); // decoded already
            if (!id.equals(modelName)) throw unknownModel(id);
            ex.send(200, modelCard().toString());
        }));
        if (scheduler != null) routes.add(new Route("POST", "/v1/chat/completions", this::chatCompletions)); // null: extra routes only
        if (scheduler != null && scheduler.completesText()) routes.add(new Route("POST", "/v1/completions", this::textCompletions));
        this.http = new Http1Server(options.host(), options.port(), options.http(), this::handle);
    }

    public int port() {
        return http.port();
    }

    /** The URL clients use as their base URL, e.g. {@code http://127.0.0.1:8000/v1}. */
    public URI baseUrl() {
        String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + h + ":" + port() + "/v1");
    }

    public String modelName() {
        return modelName;
    }

    /** Open client connections (idle keep-alive ones included). */
    public int openConnections() {
        return http.openConnections();
    }

    /** Stops accepting connections, lets requests in progress finish within {@code grace}, then stops the scheduler. */
    public void stop(Duration grace) {
        if (stopped.getAndSet(true)) return;
        stopping = true;
        http.stop(grace);
        if (scheduler != null) scheduler.close();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }

    // ---- the pipeline ------------------------------------------------------------------------------------

    private void handle(HttpCall call) throws IOException {
        String path = call.path().replaceAll("/+$", "");
        String method = call.method();
        try {
            String origin = call.header("Origin");
            if (origin != null) checkOrigin(call, origin);
            if (method.equals("OPTIONS")) { // a CORS preflight from an allowed origin
                if (origin == null) throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", "OPTIONS is only answered for CORS preflights");
                call.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                call.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
                call.setHeader("Access-Control-Max-Age", "600");
                call.send(204, null, new byte[0]);
                return;
            }
            if (path.equals("/health")) {
                call.send(200, "application/json", "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            List<Route> onPath = routes.stream().filter(r -> r.matches(path)).toList();
            if (onPath.isEmpty() && !path.startsWith("/v1/")) throw new ApiError(404, "invalid_request_error", null, "unknown_url", "no route for " + method + " " + path + "; the API lives under /v1");
            if (onPath.isEmpty())
                throw new ApiError(404, "invalid_request_error", null, "unknown_url", "no route for " + method + " " + path + "; this server offers "
                        + String.join(", ", routes.stream().map(r -> r.path().endsWith("/") ? r.path() + "{id}" : r.path()).distinct().toList()));
            authorize(call);
            Route route = onPath.stream().filter(r -> r.method().equalsIgnoreCase(method)).findFirst().orElseThrow(() ->
                    new ApiError(405, "invalid_request_error", null, "method_not_allowed", method + " is not allowed here; use "
                            + String.join(" or ", onPath.stream().map(Route::method).distinct().toList())));
            JsonNode body = method.equalsIgnoreCase("POST") ? readJson(call) : null;
            route.endpoint().handle(new Exchange(call, body, path));
        } catch (ApiError e) {
            if (call.sent()) {
                LOG.log(System.Logger.Level.DEBUG, "error after the response began: " + e.getMessage());
                return;
            }
            if (e.status() == 401) call.setHeader("WWW-Authenticate", "Bearer");
            if (e.status() == 429 || e.status() == 503) call.setHeader("Retry-After", "1");
            if (e.status() >= 400 && call.hasBody() && e.status() != 413 && e.status() != 408) call.closeAfter();
            call.send(e.status(), "application/json", e.body(JSON).getBytes(StandardCharsets.UTF_8));
        } catch (ClientGone e) {
            LOG.log(System.Logger.Level.DEBUG, "client went away; its request was cancelled");
            call.closeAfter();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "request failed: " + e, e);
            if (!call.sent()) call.send(500, "application/json", new ApiError(500, "server_error", null, null, "internal error: " + e.getMessage()).body(JSON).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Browsers send {@code Origin} on cross-site requests; a web page the user happens to open must not drive this
     * server (and spend an upstream quota), so only this server's own origin and the allowed ones pass. A
     * DNS-rebinding page has its own host in {@code Origin}, so it is refused too.
     */
    private void checkOrigin(HttpCall call, String origin) {
        String o = normalizeOrigin(origin);
        boolean allowed = options.allowedOrigins().contains("*") || options.allowedOrigins().contains(o) || isOwnOrigin(o);
        if (!allowed)
            throw new ApiError(403, "invalid_request_error", null, "origin_not_allowed",
                    "requests from origin '" + origin + "' are refused; start the server with --allow-origin " + o + " to let that site call it");
        call.setHeader("Access-Control-Allow-Origin", options.allowedOrigins().contains("*") ? "*" : origin);
        call.setHeader("Vary", "Origin");
    }

    private boolean isOwnOrigin(String o) {
        URI u;
        try {
            u = URI.create(o);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() != port()) return false;
        String h = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
        if (h.equalsIgnoreCase(options.host()) && !isWildcard(options.host())) return true;
        if (h.equalsIgnoreCase("localhost")) return isLoopbackBind();
        return isLiteralLoopback(h) && isLoopbackBind();
    }

    private boolean isLoopbackBind() {
        return isWildcard(options.host()) || isLiteralLoopback(options.host()) || options.host().equalsIgnoreCase("localhost");
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static boolean isLiteralLoopback(String h) {
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) return false; // literals only: a name could resolve anywhere
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** {@code scheme://host[:port]} in lower case without a trailing slash, as browsers send it. */
    static String normalizeOrigin(String o) {
        String s = o.strip();
        while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        return s.equals("*") ? s : s.toLowerCase(Locale.ROOT);
    }

    private void authorize(HttpCall call) {
        if (options.apiKey() == null) return;
        String h = call.header("Authorization");
        String token = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
        if (!options.apiKey().matches(token))
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    token == null ? "missing API key: send it as 'Authorization: Bearer <key>'" : "incorrect API key provided");
    }

    /** The JSON body: {@code application/json} (a form or {@code text/plain} post from a web page gets 415), one value, strict. */
    private JsonNode readJson(HttpCall call) throws IOException {
        String type = call.header("Content-Type");
        String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json"))
            throw new ApiError(415, "invalid_request_error", null, "unsupported_media_type",
                    (type == null ? "the request has no Content-Type" : "Content-Type '" + type + "' is not accepted")
                            + "; send the body as JSON with 'Content-Type: application/json'");
        if (type.toLowerCase(Locale.ROOT).contains("charset=") && !type.toLowerCase(Locale.ROOT).replace(" ", "").matches(".*charset=\"?utf-8\"?.*"))
            throw new ApiError(415, "invalid_request_error", null, "unsupported_media_type", "only UTF-8 JSON is accepted, got '" + type + "'");
        byte[] body = call.body(options.maxBodyBytes());
        if (body.length == 0) throw ApiError.invalid(null, "the request body is empty; send a JSON object");
        try {
            return STRICT.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            throw ApiError.invalid(null, "could not parse the JSON body of your request" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage() + " (send one JSON object)");
        }
    }

    private ObjectNode modelCard() {
        return JSON.createObjectNode().put("id", modelName).put("object", "model").put("created", created).put("owned_by", "deliberate");
    }

    private ApiError unknownModel(String name) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "the model '" + name + "' does not exist on this server; it serves '" + modelName + "'");
    }

    // ---- chat completions --------------------------------------------------------------------------------

    private void chatCompletions(Exchange ex) throws IOException {
        if (stopping) throw new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
        var req = ChatCompletionRequest.parse(ex.body(), options.limits());
        if (!req.model().equals(modelName)) throw unknownModel(req.model());
        if (req.logprobs() && !scheduler.logprobs())
            throw ApiError.invalid("logprobs", "log-probabilities are not available for this model (only a local checkpoint has them); remove 'logprobs'");
        String id = "chatcmpl-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        long now = System.currentTimeMillis() / 1000;
        if (req.stream()) {
            stream(ex, req, id, now);
            return;
        }
        List<Completion> cs = ex.await(submit(req, null));
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", now).put("model", modelName);
        var choices = root.putArray("choices");
        for (int i = 0; i < cs.size(); i++) {
            Completion c = cs.get(i);
            ObjectNode choice = choices.addObject().put("index", i);
            ObjectNode msg = choice.putObject("message").put("role", "assistant").put("content", c.answer());
            if (!c.reasoning().isEmpty()) msg.put("reasoning_content", c.reasoning());
            msg.putNull("refusal");
            logprobs(choice, req, c.logprobs());
            choice.put("finish_reason", c.finishReason().wire());
        }
        root.set("usage", usage(cs));
        ex.send(200, root.toString());
    }

    /** {@code POST /v1/completions}: the prompt continued verbatim; each choice's {@code text} is exactly what the model wrote. */
    private void textCompletions(Exchange ex) throws IOException {
        if (stopping) throw new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
        var req = CompletionRequest.parse(ex.body(), options.limits());
        if (!req.model().equals(modelName)) throw unknownModel(req.model());
        String id = "cmpl-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        List<Completion> cs = ex.await(queued(() -> scheduler.submitText(req.prompt(), req.params())));
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", "text_completion").put("created", System.currentTimeMillis() / 1000)
                .put("model", modelName);
        var choices = root.putArray("choices");
        for (int i = 0; i < cs.size(); i++) {
            Completion c = cs.get(i); // a raw completion: its answer is the generated text
            ObjectNode choice = choices.addObject().put("index", i).put("text", c.answer());
            choice.putNull("logprobs");
            choice.put("finish_reason", c.finishReason().wire());
        }
        ObjectNode usage = usage(cs);
        usage.remove("completion_tokens_details");
        root.set("usage", usage);
        ex.send(200, root.toString());
    }

    private CompletableFuture<List<Completion>> submit(ChatCompletionRequest req, java.util.function.Consumer<ChatDelta> onDelta) {
        return queued(() -> scheduler.submit(req.chat(), req.logprobs() ? req.topLogprobs() : -1, onDelta));
    }

    /** A scheduler's refusals as HTTP answers: a full queue is 429, a closing server 503. */
    private static CompletableFuture<List<Completion>> queued(java.util.function.Supplier<CompletableFuture<List<Completion>>> submit) {
        try {
            return submit.get();
        } catch (Scheduler.QueueFull e) {
            throw new ApiError(429, "rate_limit_error", null, "rate_limit_exceeded", e.getMessage());
        } catch (Scheduler.ShuttingDown e) {
            throw new ApiError(503, "server_error", null, "shutting_down", e.getMessage());
        }
    }

    /** OpenAI's {@code logprobs} object: {@code {"content":[{token, logprob, bytes, top_logprobs}], "refusal": null}}, or null. */
    private static void logprobs(ObjectNode choice, ChatCompletionRequest req, List<TokenLogprob> tokens) {
        if (!req.logprobs() || tokens == null) {
            choice.putNull("logprobs");
            return;
        }
        ObjectNode lp = choice.putObject("logprobs");
        var content = lp.putArray("content");
        for (TokenLogprob t : tokens) {
            ObjectNode o = token(content.addObject(), t);
            var top = o.putArray("top_logprobs");
            for (TokenLogprob alt : t.top()) token(top.addObject(), alt);
        }
        lp.putNull("refusal");
    }

    private static ObjectNode token(ObjectNode o, TokenLogprob t) {
        o.put("token", t.token()).put("logprob", t.logprob());
        var bytes = o.putArray("bytes");
        for (byte b : t.bytes()) bytes.add(b & 0xff);
        return o;
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

    /** Token counts; the prompt is counted once (every sample shares it), the completions summed. */
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

    private void stream(Exchange ex, ChatCompletionRequest req, String id, long now) throws IOException {
        // the scheduler's thread only enqueues; this handler's own thread writes, so a slow client slows only itself
        var events = new LinkedBlockingQueue<Object>();
        var result = submit(req, events::add);
        result.whenComplete((r, e) -> events.add(END));
        HttpCall call = ex.http();
        try {
            Object first = next(events, call, result);
            // a request the model refuses outright (an upstream 4xx, say) still gets a proper status, as OpenAI's does
            if (first == END && result.isCompletedExceptionally() && !result.isCancelled()) throw modelError(result.exceptionNow());
            call.setHeader("Cache-Control", "no-cache");
            call.startStream(200, "text/event-stream; charset=utf-8");
            int n = req.chat().params().n();
            for (int i = 0; i < n; i++) {
                ObjectNode c = chunk(id, now);
                ObjectNode choice = c.withArray("choices").addObject().put("index", i);
                choice.putObject("delta").put("role", "assistant").put("content", "");
                choice.putNull("logprobs");
                choice.putNull("finish_reason");
                event(call, c.toString());
            }
            for (Object e = first; e != END; e = next(events, call, result)) {
                var d = (ChatDelta) e;
                ObjectNode c = chunk(id, now);
                ObjectNode choice = c.withArray("choices").addObject().put("index", d.index());
                ObjectNode delta = choice.putObject("delta");
                if (!d.reasoning().isEmpty()) delta.put("reasoning_content", d.reasoning());
                if (!d.answer().isEmpty()) delta.put("content", d.answer());
                choice.putNull("logprobs");
                choice.putNull("finish_reason");
                event(call, c.toString());
            }
        } catch (IOException | ClientGone e) { // a write failed or the client closed: stop decoding for it
            result.cancel(true);
            throw e instanceof ClientGone g ? g : new ClientGone();
        } catch (InterruptedException e) {
            result.cancel(true);
            Thread.currentThread().interrupt();
            if (!call.sent()) throw new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down");
            event(call, new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down").body(JSON));
            return;
        }
        List<Completion> cs;
        try {
            cs = result.getNow(null);
        } catch (CompletionException e) {
            event(call, modelError(e.getCause()).body(JSON)); // headers are gone: the error travels in the stream, as OpenAI does
            event(call, "[DONE]");
            return;
        } catch (CancellationException e) {
            return;
        }
        for (int i = 0; i < cs.size(); i++) {
            ObjectNode c = chunk(id, now);
            ObjectNode choice = c.withArray("choices").addObject().put("index", i);
            choice.putObject("delta");
            logprobs(choice, req, cs.get(i).logprobs()); // all of a sample's tokens, on its last chunk
            choice.put("finish_reason", cs.get(i).finishReason().wire());
            event(call, c.toString());
        }
        if (req.includeUsage()) {
            ObjectNode c = chunk(id, now);
            c.putArray("choices");
            c.set("usage", usage(cs));
            event(call, c.toString());
        }
        event(call, "[DONE]");
    }

    /**
     * The next event, looking whether the client is still there between waits and at least every
     * {@link #PROBE_MILLIS} while events flow (a write to a closed socket may succeed once before it fails).
     */
    private static Object next(LinkedBlockingQueue<Object> events, HttpCall call, CompletableFuture<?> result) throws InterruptedException {
        long[] lastProbe = PROBED.get();
        while (true) {
            Object e = events.poll(PROBE_MILLIS, TimeUnit.MILLISECONDS);
            long now = System.nanoTime();
            if (e != null && now - lastProbe[0] < PROBE_MILLIS * 1_000_000) return e;
            lastProbe[0] = now;
            if (call.clientGone()) {
                result.cancel(true);
                throw new ClientGone();
            }
            if (e != null) return e;
        }
    }

    /** When this handler thread last probed its client. */
    private static final ThreadLocal<long[]> PROBED = ThreadLocal.withInitial(() -> new long[]{System.nanoTime()});

    private ObjectNode chunk(String id, long now) {
        return JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", now).put("model", modelName);
    }

    private static void event(HttpCall call, String data) throws IOException {
        call.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
}
