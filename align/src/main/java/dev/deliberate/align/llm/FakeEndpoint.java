package dev.deliberate.align.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible endpoint with known behaviour, for tests and benchmarks of the HTTP path: every chat call
 * takes {@code latency}, at most {@code capacity} are served at once (the rest wait, as a vLLM queue does), and a
 * share {@code errorRate} of them fail with 503. Answers come from a {@code delegate} {@link ChatModel} (e.g.
 * SpecWorld's teacher, so that generation really works through it) or, without one, from a deterministic echo of
 * the request. It binds to loopback only; each request runs on a virtual thread.
 */
public final class FakeEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param latency   time each chat call takes before its answer (0 = none)
     * @param capacity  calls served at once; later ones wait for a slot
     * @param errorRate share of chat calls answered with 503 (after the latency), drawn from {@code seed}
     */
    public record Behaviour(Duration latency, int capacity, double errorRate, long seed) {
        public Behaviour {
            Objects.requireNonNull(latency, "latency");
            if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
            if (!(errorRate >= 0 && errorRate <= 1)) throw new IllegalArgumentException("errorRate must be in [0, 1], got " + errorRate);
        }

        public static Behaviour of(Duration latency, int capacity) {
            return new Behaviour(latency, capacity, 0, 1);
        }

        public Behaviour withErrorRate(double rate) {
            return new Behaviour(latency, capacity, rate, seed);
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Behaviour behaviour;
    private final ChatModel delegate;
    private final Semaphore slots;
    private final SplittableRandom random;
    private final AtomicInteger inFlight = new AtomicInteger(), peakInFlight = new AtomicInteger();
    private final AtomicLong served = new AtomicLong(), failed = new AtomicLong(), probes = new AtomicLong();
    private volatile boolean down;

    private FakeEndpoint(Behaviour behaviour, ChatModel delegate) throws IOException {
        this.behaviour = behaviour;
        this.delegate = delegate;
        this.slots = new Semaphore(behaviour.capacity(), true);
        this.random = new SplittableRandom(behaviour.seed());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.setExecutor(threads);
        server.createContext("/v1/chat/completions", this::chat);
        server.createContext("/v1/models", this::models);
        server.start();
    }

    /** Starts an endpoint on a free loopback port; {@code delegate} may be null for echo answers. */
    public static FakeEndpoint start(Behaviour behaviour, ChatModel delegate) {
        try {
            return new FakeEndpoint(behaviour, delegate);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot start a fake endpoint on loopback: " + e.getMessage(), e);
        }
    }

    /** The API root, e.g. {@code http://127.0.0.1:40123/v1}. */
    public URI baseUrl() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/v1");
    }

    /** While down, every request (health checks included) gets 503. */
    public void setDown(boolean down) {
        this.down = down;
    }

    /** Chat calls answered 200. */
    public long served() {
        return served.get();
    }

    /** Chat calls answered with an error (the error rate, or while down). */
    public long failed() {
        return failed.get();
    }

    /** {@code GET /v1/models} calls (health checks). */
    public long probes() {
        return probes.get();
    }

    /** The most chat calls that were being served at once. */
    public int peakInFlight() {
        return peakInFlight.get();
    }

    private void models(HttpExchange ex) throws IOException {
        try (ex) {
            probes.incrementAndGet();
            if (down) {
                send(ex, 503, "{\"error\":{\"message\":\"down\"}}");
                return;
            }
            send(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"fake\",\"object\":\"model\"}]}");
        }
    }

    private void chat(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!"POST".equals(ex.getRequestMethod())) {
                send(ex, 405, "{\"error\":{\"message\":\"POST only\"}}");
                return;
            }
            int status;
            String reply;
            slots.acquireUninterruptibly();
            int now = inFlight.incrementAndGet();
            peakInFlight.accumulateAndGet(now, Math::max);
            try {
                if (!behaviour.latency().isZero()) Thread.sleep(behaviour.latency());
                boolean fail;
                synchronized (random) {
                    fail = down || random.nextDouble() < behaviour.errorRate();
                }
                if (fail) {
                    failed.incrementAndGet();
                    status = 503;
                    reply = "{\"error\":{\"message\":\"fake endpoint: injected failure\"}}";
                } else {
                    try {
                        reply = answer(JSON.readTree(body));
                        status = 200;
                        served.incrementAndGet();
                    } catch (RuntimeException | IOException e) {
                        status = 400;
                        reply = JSON.createObjectNode().set("error", JSON.createObjectNode().put("message", String.valueOf(e.getMessage()))).toString();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                // the slot is free before the client can see the answer, so a client within its limit never finds it taken
                inFlight.decrementAndGet();
                slots.release();
            }
            send(ex, status, reply);
        }
    }

    private String answer(JsonNode req) {
        var messages = new ArrayList<Message>();
        for (JsonNode m : req.path("messages")) messages.add(new Message(Message.Role.fromWire(m.path("role").asText()), m.path("content").asText()));
        var stop = new ArrayList<String>();
        for (JsonNode s : req.path("stop")) stop.add(s.asText());
        var params = new SamplingParams(req.path("temperature").asDouble(1), req.path("top_p").asDouble(1), req.path("max_tokens").asInt(256),
                req.path("n").asInt(1), stop, req.hasNonNull("seed") ? req.path("seed").asLong() : null);
        List<Completion> completions;
        if (delegate != null) completions = delegate.chat(messages, params);
        else {
            completions = new ArrayList<>();
            for (int i = 0; i < params.n(); i++)
                completions.add(new Completion("", "echo " + Integer.toHexString((messages.toString() + "|" + params.seed() + "|" + i).hashCode()), "stop",
                        new Completion.Usage(0, 0, -1)));
        }
        ObjectNode root = JSON.createObjectNode().put("id", "fake-" + served.get()).put("object", "chat.completion").put("model", req.path("model").asText());
        var choices = root.putArray("choices");
        int completionTokens = 0;
        for (int i = 0; i < completions.size(); i++) {
            Completion c = completions.get(i);
            var msg = JSON.createObjectNode().put("role", "assistant").put("content", c.text());
            choices.addObject().put("index", i).put("finish_reason", c.finishReason().wire()).set("message", msg);
            completionTokens += Math.max(0, c.usage().completionTokens());
        }
        int promptChars = messages.stream().mapToInt(m -> m.content().length()).sum();
        root.putObject("usage").put("prompt_tokens", promptChars / 4).put("completion_tokens", completionTokens)
                .put("total_tokens", promptChars / 4 + completionTokens);
        return root.toString();
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
