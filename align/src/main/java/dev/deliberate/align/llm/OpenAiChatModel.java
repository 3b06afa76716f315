package dev.deliberate.align.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp, {@code deliberate serve})
 * over {@code java.net.http}. At most {@code maxConcurrency} calls are in flight; 429, 408, 409, 5xx, timeouts
 * and dropped connections are retried with exponential backoff and jitter, waiting at least what
 * {@code Retry-After} asks; other 4xx fail at once with the status and the server's message. A streamed call
 * is retried only while nothing has been handed to the caller yet. The key goes into the
 * {@code Authorization} header and nowhere else.
 */
public final class OpenAiChatModel implements ChatModel {
    private static final System.Logger LOG = System.getLogger(OpenAiChatModel.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_CHARS = 600;
    // one daemon timer for the idle watchdog of every stream
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "openai-stream-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** Retries of a transient failure after the first attempt. */
    public static final int DEFAULT_RETRIES = 4;
    /** One attempt's limit: long enough for a reasoning model's long answer. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(10);

    /**
     * @param baseUrl        the API root, e.g. {@code https://api.openai.com/v1}; {@code /chat/completions} is appended
     * @param model          the model name the endpoint expects
     * @param apiKey         sent as a bearer token; null for endpoints without auth
     * @param maxConcurrency calls in flight at once from this instance
     * @param maxRetries     retries after the first attempt for transient failures
     * @param requestTimeout limit on one attempt (for a stream: on the wait for each next piece)
     * @param connectTimeout limit on opening a connection
     * @param initialBackoff the first retry waits about this long, doubling each time (half fixed, half random)
     * @param maxBackoff     cap on one backoff wait and on how long a {@code Retry-After} may make us wait
     * @param totalTimeout   deadline for a whole call, every attempt and backoff wait included: a hung upstream costs
     *                       at most this long, however many retries are left
     */
    public record Options(URI baseUrl, String model, ApiKey apiKey, int maxConcurrency, int maxRetries,
                          Duration requestTimeout, Duration connectTimeout, Duration initialBackoff, Duration maxBackoff,
                          Duration totalTimeout) {
        public Options {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(model, "model");
            if (maxConcurrency < 1) throw new IllegalArgumentException("maxConcurrency must be >= 1, got " + maxConcurrency);
            if (maxRetries < 0) throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
            for (Duration d : new Duration[]{requestTimeout, connectTimeout, totalTimeout})
                if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeouts must be positive, got " + d);
            String b = baseUrl.toString().replaceAll("/+$", "");
            baseUrl = URI.create(b);
        }

        /**
         * Defaults: 8 in flight; 4 retries; 10 min per attempt (a reasoning model's long answer, or for a stream the
         * longest silence between pieces); 20 min for the whole call; backoff 1 s doubling to 60 s.
         */
        public static Options of(URI baseUrl, String model) {
            return new Options(baseUrl, model, null, 8, DEFAULT_RETRIES, DEFAULT_REQUEST_TIMEOUT, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(60),
                    DEFAULT_REQUEST_TIMEOUT.multipliedBy(2));
        }

        public Options withTotalTimeout(Duration d) {
            return new Options(baseUrl, model, apiKey, maxConcurrency, maxRetries, requestTimeout, connectTimeout, initialBackoff, maxBackoff, d);
        }

        public Options withApiKey(ApiKey key) {
            return new Options(baseUrl, model, key, maxConcurrency, maxRetries, requestTimeout, connectTimeout, initialBackoff, maxBackoff, totalTimeout);
        }

        public Options withMaxConcurrency(int n) {
            return new Options(baseUrl, model, apiKey, n, maxRetries, requestTimeout, connectTimeout, initialBackoff, maxBackoff, totalTimeout);
        }

        public Options withMaxRetries(int n) {
            return new Options(baseUrl, model, apiKey, maxConcurrency, n, requestTimeout, connectTimeout, initialBackoff, maxBackoff, totalTimeout);
        }

        public Options withRequestTimeout(Duration d) {
            return new Options(baseUrl, model, apiKey, maxConcurrency, maxRetries, d, connectTimeout, initialBackoff, maxBackoff, totalTimeout);
        }

        public Options withBackoff(Duration initial, Duration max) {
            return new Options(baseUrl, model, apiKey, maxConcurrency, maxRetries, requestTimeout, connectTimeout, initial, max, totalTimeout);
        }
    }

    private final Options options;
    private final URI endpoint, completions;
    private final HttpClient http;
    private final Semaphore inFlight;
    private final dev.deliberate.engine.tokenizer.ChatTemplate template; // null: no reasoning-prefix continuation

    public OpenAiChatModel(Options options) {
        this(options, null);
    }

    /**
     * @param template the served model's chat template (its {@code tokenizer_config.json}), which renders a conversation
     *                 for {@link #continueReasoning} through {@code /v1/completions}; null if not known
     */
    public OpenAiChatModel(Options options, dev.deliberate.engine.tokenizer.ChatTemplate template) {
        this.options = options;
        this.template = template;
        this.endpoint = URI.create(options.baseUrl() + "/chat/completions");
        this.completions = URI.create(options.baseUrl() + "/completions");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .build();
        this.inFlight = new Semaphore(options.maxConcurrency(), true);
    }

    public Options options() {
        return options;
    }

    @Override
    public String id() {
        return options.baseUrl() + "#" + options.model();
    }

    @Override
    public String toString() {
        return "OpenAiChatModel[" + id() + (options.apiKey() == null ? "" : ", key from " + options.apiKey().source()) + "]";
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        // some servers (Ollama, llama.cpp) ignore n and return one choice: ask again for the rest
        var out = new ArrayList<Completion>(params.n());
        while (out.size() < params.n()) {
            List<Completion> got = withRetries(() -> attempt(messages, params.withN(params.n() - out.size())), () -> true);
            if (got.isEmpty()) throw new ModelCallException(where() + " returned no choices", 200, false, null);
            out.addAll(got.subList(0, Math.min(got.size(), params.n() - out.size())));
        }
        return out;
    }

    @Override
    public List<Completion> chatStreaming(List<Message> messages, SamplingParams params, Consumer<ChatDelta> onDelta) {
        var emitted = new boolean[1];
        Consumer<ChatDelta> tracking = d -> {
            emitted[0] = true;
            onDelta.accept(d);
        };
        List<Completion> got = withRetries(() -> attemptStream(messages, params, tracking), () -> !emitted[0]);
        if (got.size() != params.n())
            throw new ModelCallException(where() + " streamed " + got.size() + " choices, asked for n=" + params.n(), 200, false, null);
        return got;
    }

    /** Every OpenAI-compatible server we know (vLLM, llama.cpp, Ollama, OpenAI's legacy models) has {@code /v1/completions}. */
    @Override
    public boolean completesText() {
        return true;
    }

    /** {@code POST /completions} with the prompt as a string; each choice's text is the answer, verbatim. */
    @Override
    public List<Completion> complete(String prompt, SamplingParams params) {
        var out = new ArrayList<Completion>(params.n());
        while (out.size() < params.n()) {
            List<Completion> got = withRetries(completions, () -> attemptText(prompt, params.withN(params.n() - out.size())), () -> true);
            if (got.isEmpty()) throw new ModelCallException("POST " + completions + " returned no choices", 200, false, null);
            out.addAll(got.subList(0, Math.min(got.size(), params.n() - out.size())));
        }
        return out;
    }

    @Override
    public boolean continuesReasoning() {
        return template != null;
    }

    /** The conversation rendered with the model's chat template up to the reasoning prefix, continued through {@link #complete}. */
    @Override
    public List<Completion> continueReasoning(List<Message> messages, String reasoningPrefix, SamplingParams params) {
        if (template == null) return ChatModel.super.continueReasoning(messages, reasoningPrefix, params);
        var prefill = ReasoningPrefill.of(template, messages, reasoningPrefix);
        return complete(prefill.prompt(), params).stream().map(c -> prefill.completion(c.answer(), c.finishReason(), c.usage())).toList();
    }

    @Override
    public void close() {
        http.shutdownNow();
    }

    // ---- one attempt -------------------------------------------------------------------------------------

    /** A failure worth another try; {@code retryAfter} is what the server asked for, or null. */
    private static final class Transient extends Exception {
        final int status;
        final Duration retryAfter;

        Transient(String message, int status, Duration retryAfter, Throwable cause) {
            super(message, cause, false, false);
            this.status = status;
            this.retryAfter = retryAfter;
        }
    }

    private interface Attempt {
        List<Completion> run() throws Transient, InterruptedException;
    }

    /** The deadline (System.nanoTime) of the call this thread is making. */
    private static final ThreadLocal<long[]> DEADLINE = ThreadLocal.withInitial(() -> new long[]{Long.MAX_VALUE});

    /** What one attempt may take: the request timeout, or less when the call's total deadline is nearer. */
    long attemptTimeoutMillis() {
        long left = (DEADLINE.get()[0] - System.nanoTime()) / 1_000_000;
        return Math.max(1, Math.min(options.requestTimeout().toMillis(), left));
    }

    private List<Completion> withRetries(Attempt attempt, java.util.function.BooleanSupplier mayRetry) {
        return withRetries(endpoint, attempt, mayRetry);
    }

    private List<Completion> withRetries(URI target, Attempt attempt, java.util.function.BooleanSupplier mayRetry) {
        long[] deadline = DEADLINE.get();
        long outer = deadline[0];
        deadline[0] = Math.min(outer, System.nanoTime() + options.totalTimeout().toNanos());
        try {
            return retrying(target, attempt, mayRetry, deadline[0]);
        } finally {
            deadline[0] = outer;
        }
    }

    private List<Completion> retrying(URI target, Attempt attempt, java.util.function.BooleanSupplier mayRetry, long deadline) {
        String where = "POST " + target;
        Transient last = null;
        for (int i = 0; i <= options.maxRetries(); i++) {
            if (i > 0) {
                Duration wait = backoff(i - 1, last.retryAfter);
                if (wait == null)
                    throw new ModelCallException(where + ": " + last.getMessage() + "; the server asked to wait " + last.retryAfter.toSeconds()
                            + " s, more than the " + options.maxBackoff().toSeconds() + " s limit", last.status, true, last);
                if (System.nanoTime() + wait.toNanos() >= deadline)
                    throw new ModelCallException(where + ": gave up after " + i + " attempt" + (i == 1 ? "" : "s") + " at the call's total deadline of "
                            + options.totalTimeout().toSeconds() + " s (--total-timeout); last: " + last.getMessage(), last.status, true, last);
                LOG.log(System.Logger.Level.INFO, "{0}: {1}; retry {2}/{3} in {4} ms", where, last.getMessage(), i, options.maxRetries(), wait.toMillis());
                sleep(wait);
            }
            try {
                inFlight.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelCallException(where + ": interrupted", 0, false, e);
            }
            try {
                return attempt.run();
            } catch (Transient t) {
                last = t;
                if (!mayRetry.getAsBoolean())
                    throw new ModelCallException(where + ": " + t.getMessage() + " after part of the stream was delivered; not retried", t.status, true, t);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ModelCallException(where + ": interrupted", 0, false, e);
            } finally {
                inFlight.release();
            }
        }
        throw new ModelCallException(where + ": gave up after " + (options.maxRetries() + 1) + " attempts; last: " + last.getMessage(), last.status, true, last);
    }

    /** Exponential backoff with equal jitter; honours (and never undercuts) Retry-After; null if that exceeds the cap. */
    Duration backoff(int retry, Duration retryAfter) {
        long cap = options.maxBackoff().toMillis();
        long base = Math.min(cap, options.initialBackoff().toMillis() << Math.min(retry, 30));
        long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        if (retryAfter == null) return Duration.ofMillis(jittered);
        if (retryAfter.toMillis() > cap) return null;
        return Duration.ofMillis(Math.max(retryAfter.toMillis(), Math.min(jittered, retryAfter.toMillis() * 2)));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelCallException("interrupted while waiting to retry", 0, false, e);
        }
    }

    private String where() {
        return "POST " + endpoint;
    }

    private HttpRequest request(List<Message> messages, SamplingParams params, boolean stream) {
        var b = HttpRequest.newBuilder(endpoint)
                .timeout(options.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(requestBody(messages, params, stream), StandardCharsets.UTF_8));
        if (options.apiKey() != null) b.header("Authorization", "Bearer " + options.apiKey().reveal());
        return b.build();
    }

    String requestBody(List<Message> messages, SamplingParams p, boolean stream) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", options.model());
        ArrayNode msgs = root.putArray("messages");
        for (Message m : messages) msgs.addObject().put("role", m.role().wire()).put("content", m.content());
        putSampling(root, p);
        if (stream) {
            root.put("stream", true);
            root.putObject("stream_options").put("include_usage", true);
        }
        return root.toString();
    }

    /** The sampling fields both routes take: temperature, top_p, max_tokens, n, stop, seed. */
    private static void putSampling(ObjectNode root, SamplingParams p) {
        root.put("temperature", p.temperature());
        root.put("top_p", p.topP());
        root.put("max_tokens", p.maxTokens());
        root.put("n", p.n());
        if (!p.stop().isEmpty()) {
            ArrayNode stop = root.putArray("stop");
            p.stop().forEach(stop::add);
        }
        if (p.seed() != null) root.put("seed", p.seed());
    }

    String textRequestBody(String prompt, SamplingParams p) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", options.model());
        root.put("prompt", prompt);
        putSampling(root, p);
        return root.toString();
    }

    private List<Completion> attemptText(String prompt, SamplingParams params) throws Transient, InterruptedException {
        var b = HttpRequest.newBuilder(completions)
                .timeout(options.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(textRequestBody(prompt, params), StandardCharsets.UTF_8));
        if (options.apiKey() != null) b.header("Authorization", "Bearer " + options.apiKey().reveal());
        HttpResponse<String> resp = send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), "no complete response");
        checkStatus(resp.statusCode(), resp.body(), resp.headers());
        JsonNode root;
        try {
            root = JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new ModelCallException("POST " + completions + " answered 200 with a body that is not JSON: " + snippet(resp.body()), 200, false, null);
        }
        JsonNode choices = root.path("choices");
        if (!choices.isArray())
            throw new ModelCallException("POST " + completions + " answered without a 'choices' array: " + snippet(root.toString()), 200, false, null);
        var sorted = new TreeMap<Integer, JsonNode>();
        for (int i = 0; i < choices.size(); i++) sorted.put(choices.get(i).path("index").asInt(i), choices.get(i));
        var out = new ArrayList<Completion>();
        for (JsonNode c : sorted.values()) {
            JsonNode text = c.path("text");
            if (!text.isTextual())
                throw new ModelCallException("POST " + completions + " answered a choice without a 'text' string: " + snippet(c.toString()), 200, false, null);
            out.add(new Completion("", text.asText(), c.path("finish_reason").asText("stop"), usage(root.path("usage"), sorted.size())));
        }
        return out;
    }

    private List<Completion> attempt(List<Message> messages, SamplingParams params) throws Transient, InterruptedException {
        // the client's own request timeout covers the headers only; awaiting the whole body bounds it too
        HttpResponse<String> resp = send(request(messages, params, false), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), "no complete response");
        checkStatus(resp.statusCode(), resp.body(), resp.headers());
        JsonNode root;
        try {
            root = JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new ModelCallException(where() + " answered 200 with a body that is not JSON: " + snippet(resp.body()), 200, false, null);
        }
        return parseCompletions(root);
    }

    /** Sends and waits at most the request timeout for what {@code handler} needs; a timeout is a transient failure. */
    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String timedOut) throws Transient, InterruptedException {
        var future = http.sendAsync(request, handler);
        long timeout = attemptTimeoutMillis();
        try {
            return future.get(timeout, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new Transient(timedOut + " within " + timeout + " ms", 0, null, null);
        } catch (InterruptedException e) {
            future.cancel(true); // the caller gave up (a server's client went away): abort the request
            throw e;
        } catch (ExecutionException e) {
            throw transport(e.getCause());
        } catch (CancellationException e) {
            throw new Transient("request cancelled", 0, null, e);
        }
    }

    private Transient transport(Throwable cause) {
        if (cause instanceof java.net.http.HttpTimeoutException) return new Transient("timed out: " + cause.getMessage(), 0, null, cause);
        if (cause instanceof IOException) return new Transient("connection failed: " + cause, 0, null, cause);
        throw new ModelCallException(where() + ": " + cause, 0, false, cause);
    }

    private void checkStatus(int status, String body, java.net.http.HttpHeaders headers) throws Transient {
        if (status == 200) return;
        String msg = "HTTP " + status + ": " + errorMessage(body);
        if (status == 408 || status == 409 || status == 429 || status >= 500)
            throw new Transient(msg, status, retryAfter(headers), null);
        String hint = switch (status) {
            case 401, 403 -> options.apiKey() == null ? " (no API key was sent; set the key's environment variable)" : " (check the key in " + options.apiKey().source() + ")";
            case 404 -> " (check the base URL " + options.baseUrl() + " and the model name '" + options.model() + "')";
            default -> "";
        };
        throw new ModelCallException(where() + " failed with " + msg + hint, status, false, null);
    }

    /** The server's own words: OpenAI's {@code {"error":{"message":…}}}, a few common variants, or the raw text. */
    private String errorMessage(String body) {
        if (body == null || body.isBlank()) return "(empty body)";
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode e = n.path("error");
            String m = e.isTextual() ? e.asText() : e.path("message").isTextual() ? e.path("message").asText()
                    : n.path("message").isTextual() ? n.path("message").asText() : n.path("detail").isTextual() ? n.path("detail").asText() : null;
            if (m != null) return redact(snippet(m));
        } catch (IOException ignored) {
            // not JSON: show the text
        }
        return redact(snippet(body));
    }

    private String redact(String s) {
        return options.apiKey() == null ? s : options.apiKey().redact(s);
    }

    private static String snippet(String s) {
        s = s.strip();
        return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS) + "…";
    }

    /** {@code retry-after-ms} (OpenAI) or {@code Retry-After} in seconds or as an HTTP date. */
    static Duration retryAfter(java.net.http.HttpHeaders h) {
        try {
            var ms = h.firstValue("retry-after-ms");
            if (ms.isPresent()) return Duration.ofMillis((long) Double.parseDouble(ms.get().strip()));
            var ra = h.firstValue("retry-after");
            if (ra.isEmpty()) return null;
            String v = ra.get().strip();
            if (v.matches("\\d+(\\.\\d+)?")) return Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
            var when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(ZonedDateTime.now(when.getZone()), when);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (RuntimeException e) {
            return null; // an unreadable hint: fall back to our own backoff
        }
    }

    List<Completion> parseCompletions(JsonNode root) {
        JsonNode choices = root.path("choices");
        if (!choices.isArray())
            throw new ModelCallException(where() + " answered without a 'choices' array: " + snippet(root.toString()), 200, false, null);
        var usage = root.path("usage");
        var sorted = new TreeMap<Integer, JsonNode>();
        for (int i = 0; i < choices.size(); i++) sorted.put(choices.get(i).path("index").asInt(i), choices.get(i));
        var out = new ArrayList<Completion>();
        for (JsonNode c : sorted.values()) {
            JsonNode msg = c.path("message");
            String content = msg.path("content").asText("");
            String reasoning = reasoningField(msg);
            String finish = c.path("finish_reason").asText("stop");
            Completion.Usage u = usage(usage, sorted.size());
            out.add(reasoning.isEmpty() ? Completion.fromText(content, finish, u) : new Completion(reasoning, content, finish, u));
        }
        return out;
    }

    /** vLLM and DeepSeek send {@code reasoning_content}; newer vLLM and OpenRouter send {@code reasoning}. */
    private static String reasoningField(JsonNode msg) {
        JsonNode r = msg.path("reasoning_content");
        if (!r.isTextual()) r = msg.path("reasoning");
        return r.isTextual() ? r.asText() : "";
    }

    /** The endpoint counts tokens per request; per choice they are known only when there is one choice. */
    private static Completion.Usage usage(JsonNode usage, int choices) {
        if (!usage.isObject()) return Completion.Usage.UNKNOWN;
        int prompt = usage.path("prompt_tokens").asInt(-1);
        int completion = choices == 1 ? usage.path("completion_tokens").asInt(-1) : -1;
        JsonNode rt = usage.path("completion_tokens_details").path("reasoning_tokens");
        int reasoning = choices == 1 && rt.isNumber() ? rt.asInt() : -1;
        return new Completion.Usage(prompt, completion, reasoning);
    }

    // ---- streaming ---------------------------------------------------------------------------------------

    private static final class ChoiceStream {
        final ThinkStreamSplitter splitter = new ThinkStreamSplitter();
        final StringBuilder reasoningField = new StringBuilder();
        String finish = "stop";
    }

    private List<Completion> attemptStream(List<Message> messages, SamplingParams params, Consumer<ChatDelta> onDelta)
            throws Transient, InterruptedException {
        HttpResponse<InputStream> resp = send(request(messages, params, true), HttpResponse.BodyHandlers.ofInputStream(), "no response headers");
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) {
                String body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                checkStatus(resp.statusCode(), body, resp.headers());
            }
            var choices = new TreeMap<Integer, ChoiceStream>();
            JsonNode usage = null;
            boolean done = false;
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            while (!done) {
                String line = readLineWithin(reader, in);
                if (line == null) break;
                if (!line.startsWith("data:")) continue; // comments, event names, blank separators
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                JsonNode chunk;
                try {
                    chunk = JSON.readTree(data);
                } catch (IOException e) {
                    throw new ModelCallException(where() + " streamed a chunk that is not JSON: " + snippet(data), 200, false, null);
                }
                if (chunk.has("error"))
                    throw new ModelCallException(where() + " reported an error mid-stream: " + errorMessage(data), 200, false, null);
                if (chunk.path("usage").isObject()) usage = chunk.path("usage");
                for (JsonNode c : chunk.path("choices")) {
                    int index = c.path("index").asInt(0);
                    ChoiceStream cs = choices.computeIfAbsent(index, k -> new ChoiceStream());
                    JsonNode delta = c.path("delta");
                    String r = reasoningField(delta);
                    if (!r.isEmpty()) {
                        cs.reasoningField.append(r);
                        onDelta.accept(new ChatDelta(index, r, ""));
                    }
                    if (delta.path("content").isTextual()) {
                        var piece = cs.splitter.accept(delta.path("content").asText());
                        if (!piece.isEmpty()) onDelta.accept(new ChatDelta(index, piece.reasoning(), piece.answer()));
                    }
                    if (c.path("finish_reason").isTextual()) cs.finish = c.path("finish_reason").asText();
                }
            }
            if (!done) throw new Transient("the stream ended before [DONE]", 200, null, null);
            var out = new ArrayList<Completion>();
            for (var e : choices.entrySet()) {
                ChoiceStream cs = e.getValue();
                var rest = cs.splitter.finish();
                if (!rest.isEmpty()) onDelta.accept(new ChatDelta(e.getKey(), rest.reasoning(), rest.answer()));
                Completion.Usage u = usage == null ? Completion.Usage.UNKNOWN : usage(usage, choices.size());
                out.add(cs.reasoningField.isEmpty() ? Completion.fromText(cs.splitter.text(), cs.finish, u)
                        : new Completion(cs.reasoningField.toString(), cs.splitter.text(), cs.finish, u));
            }
            return out;
        } catch (IOException e) {
            throw transport(e);
        }
    }

    /** Reads one line, closing the stream (which fails the read) if nothing arrives within the request timeout. */
    private String readLineWithin(BufferedReader reader, InputStream in) throws IOException, Transient {
        var stalled = new java.util.concurrent.atomic.AtomicBoolean();
        var timer = WATCHDOG.schedule(() -> {
            stalled.set(true);
            try {
                in.close();
            } catch (IOException ignored) {
                // closing is how we interrupt the blocked read; nothing else to do
            }
        }, options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            String line = reader.readLine();
            if (stalled.get()) throw new Transient("the stream stalled for " + options.requestTimeout().toMillis() + " ms", 0, null, null);
            return line;
        } catch (IOException e) {
            if (stalled.get()) throw new Transient("the stream stalled for " + options.requestTimeout().toMillis() + " ms", 0, null, e);
            throw e;
        } finally {
            timer.cancel(false);
        }
    }
}
