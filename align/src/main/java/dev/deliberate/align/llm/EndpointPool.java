package dev.deliberate.align.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Several OpenAI-compatible servers of one model used as one: each call goes to the admitted server with the fewest
 * outstanding requests per unit weight that has a free slot and room in its requests/minute and tokens/minute
 * budgets; calls that find none wait in one queue. A transient failure (429, 408, 409, 5xx, timeout, dropped
 * connection) is retried on another server when one is free, else after exponential backoff; {@code ejectAfter}
 * failures in a row eject a server, and a health check ({@code GET /models}) every {@code healthInterval} ejects
 * servers that fail it and re-admits those that pass. Calls go out through {@code java.net.http}'s
 * {@code sendAsync}: nothing holds a thread while a call is in flight, so concurrency is bounded by the servers'
 * limits only. (Least-outstanding-requests balancing and outlier ejection as in Envoy's load balancer.)
 */
public final class EndpointPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EndpointPool.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param maxRetries     retries of a call after its first attempt, across servers
     * @param requestTimeout limit on one attempt, the whole body included
     * @param ejectAfter     transient failures in a row that eject a server (until a health check passes)
     * @param healthInterval how often every server's {@code /models} is checked (zero = never: ejected servers
     *                       come back after one interval of {@code initialBackoff})
     */
    public record Settings(int maxRetries, Duration requestTimeout, Duration connectTimeout, int ejectAfter, Duration healthInterval,
                           Duration initialBackoff, Duration maxBackoff) {
        public Settings {
            if (maxRetries < 0) throw new IllegalArgumentException("retries must be >= 0, got " + maxRetries);
            if (ejectAfter < 1) throw new IllegalArgumentException("eject_after must be >= 1, got " + ejectAfter);
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(healthInterval, "healthInterval");
        }

        /** 6 retries, 10 min per attempt, eject after 3 failures in a row, health checks every 5 s, backoff 1 s doubling to 60 s. */
        public static Settings defaults() {
            return new Settings(6, Duration.ofMinutes(10), Duration.ofSeconds(10), 3, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(60));
        }

        public Settings withRetries(int n) {
            return new Settings(n, requestTimeout, connectTimeout, ejectAfter, healthInterval, initialBackoff, maxBackoff);
        }

        public Settings withRequestTimeout(Duration d) {
            return new Settings(maxRetries, d, connectTimeout, ejectAfter, healthInterval, initialBackoff, maxBackoff);
        }

        public Settings withHealth(int ejectAfter, Duration interval) {
            return new Settings(maxRetries, requestTimeout, connectTimeout, ejectAfter, interval, initialBackoff, maxBackoff);
        }

        public Settings withBackoff(Duration initial, Duration max) {
            return new Settings(maxRetries, requestTimeout, connectTimeout, ejectAfter, healthInterval, initial, max);
        }
    }

    /** What one server has done so far. */
    public record EndpointStats(URI baseUrl, boolean admitted, int inFlight, int peakInFlight, long calls, long failures, long ejections) {}

    private static final class Endpoint {
        final EndpointSpec spec;
        final int index;
        final URI chat, models;
        final RateBudget requests, tokens;
        final ApiKey key;
        int inFlight, peakInFlight, failuresInARow;
        boolean ejected;
        long pausedUntil; // a 429's Retry-After holds the whole server
        long calls, failures, ejections;

        Endpoint(EndpointSpec spec, int index, ApiKey key, long now) {
            this.spec = spec;
            this.key = key;
            this.index = index;
            this.chat = URI.create(spec.baseUrl() + "/chat/completions");
            this.models = URI.create(spec.baseUrl() + "/models");
            this.requests = new RateBudget(spec.requestsPerMinute(), now);
            this.tokens = new RateBudget(spec.tokensPerMinute(), now);
        }
    }

    /** One chat call on its way through the pool. */
    private static final class Call {
        final String body;
        final double tokens;
        final CompletableFuture<JsonNode> result = new CompletableFuture<>();
        final BitSet failedOn = new BitSet();
        int attempts;
        String last;
        int lastStatus;

        Call(String body, double tokens) {
            this.body = body;
            this.tokens = tokens;
        }
    }

    private final List<Endpoint> endpoints = new ArrayList<>();
    private final Settings settings;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final ArrayDeque<Call> queue = new ArrayDeque<>();
    private long wakeAt = Long.MAX_VALUE;
    private int rotation;
    private boolean closed;

    /** @param apiKey sent as a bearer token to every server; null for none */
    public EndpointPool(List<EndpointSpec> specs, Settings settings, ApiKey apiKey) {
        this(specs, java.util.Collections.nCopies(specs.size(), apiKey), settings);
    }

    /** A pool whose servers each have their own key: {@code keys} in {@code specs} order, null entries for none. */
    public static EndpointPool keyed(List<EndpointSpec> specs, Settings settings, List<ApiKey> keys) {
        return new EndpointPool(specs, keys, settings);
    }

    private EndpointPool(List<EndpointSpec> specs, List<ApiKey> keys, Settings settings) {
        if (specs.isEmpty()) throw new IllegalArgumentException("an endpoint pool needs at least one endpoint");
        if (keys.size() != specs.size()) throw new IllegalArgumentException("one key (or null) per endpoint: " + keys.size() + " for " + specs.size());
        this.settings = Objects.requireNonNull(settings, "settings");
        long now = System.nanoTime();
        var seen = new java.util.HashSet<URI>();
        for (int i = 0; i < specs.size(); i++) {
            EndpointSpec s = specs.get(i);
            if (!seen.add(s.baseUrl())) throw new IllegalArgumentException("endpoint " + s.baseUrl() + " is listed twice in the pool");
            endpoints.add(new Endpoint(s, endpoints.size(), keys.get(i), now));
        }
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(settings.connectTimeout()).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "endpoint-pool-timer");
            t.setDaemon(true);
            return t;
        });
        long every = settings.healthInterval().toMillis();
        if (every > 0) timer.scheduleWithFixedDelay(this::checkHealth, every, every, TimeUnit.MILLISECONDS);
    }

    public List<EndpointSpec> specs() {
        return endpoints.stream().map(e -> e.spec).toList();
    }

    /** The most calls that can be in flight at once: the servers' limits summed. */
    public int capacity() {
        return endpoints.stream().mapToInt(e -> e.spec.maxConcurrency()).sum();
    }

    public synchronized List<EndpointStats> stats() {
        return endpoints.stream().map(e -> new EndpointStats(e.spec.baseUrl(), !e.ejected, e.inFlight, e.peakInFlight, e.calls, e.failures, e.ejections)).toList();
    }

    /**
     * Posts a chat-completions body to one of the servers and completes with the parsed 200 response; fails with a
     * {@link ModelCallException} on a 4xx or when the retries are spent.
     *
     * @param tokens the call's estimated cost against tokens/minute budgets (prompt and completion)
     */
    public CompletableFuture<JsonNode> post(String body, double tokens) {
        var call = new Call(body, tokens);
        for (Endpoint e : endpoints)
            if (!e.tokens.unlimited() && tokens > e.tokens.perMinute())
                throw new ModelCallException("a call estimated at " + Math.round(tokens) + " tokens exceeds the " + Math.round(e.tokens.perMinute())
                        + " tokens/minute budget of " + e.spec.baseUrl() + "; lower max_tokens or raise tokens_per_minute", 0, false, null);
        synchronized (this) {
            if (closed) throw new IllegalStateException("endpoint pool is closed");
            queue.addLast(call);
        }
        pump();
        return call.result;
    }

    /** Sends every queued call that a server can take now; schedules a wake-up when only a budget stands in the way. */
    private void pump() {
        List<Runnable> sends = new ArrayList<>();
        synchronized (this) {
            if (closed) return;
            long now = System.nanoTime(), wake = Long.MAX_VALUE;
            for (Iterator<Call> it = queue.iterator(); it.hasNext(); ) {
                Call c = it.next();
                Endpoint best = null;
                double bestLoad = Double.MAX_VALUE;
                boolean anyFree = false;
                boolean avoidFailed = admittedWithout(c.failedOn);
                for (int k = 0; k < endpoints.size(); k++) {
                    Endpoint e = endpoints.get((k + rotation) % endpoints.size());
                    if (e.ejected || e.inFlight >= e.spec.maxConcurrency()) continue;
                    anyFree = true;
                    if (avoidFailed && c.failedOn.get(e.index)) continue;
                    if (e.pausedUntil > now) {
                        wake = Math.min(wake, e.pausedUntil);
                        continue;
                    }
                    long wait = Math.max(e.requests.nanosUntil(1, now), e.tokens.nanosUntil(c.tokens, now));
                    if (wait > 0) {
                        wake = Math.min(wake, now + wait);
                        continue;
                    }
                    double load = (e.inFlight + 1) / e.spec.weight();
                    if (load < bestLoad) {
                        bestLoad = load;
                        best = e;
                    }
                }
                if (!anyFree) break; // every server is full or out: later calls can't go either
                if (best == null) continue;
                it.remove();
                rotation++;
                best.inFlight++;
                best.peakInFlight = Math.max(best.peakInFlight, best.inFlight);
                best.calls++;
                best.requests.take(1, now);
                best.tokens.take(c.tokens, now);
                c.attempts++;
                Endpoint target = best;
                sends.add(() -> send(c, target));
            }
            if (wake != Long.MAX_VALUE && wake < wakeAt) {
                wakeAt = wake;
                timer.schedule(() -> {
                    synchronized (this) {
                        wakeAt = Long.MAX_VALUE;
                    }
                    pump();
                }, Math.max(1, wake - now), TimeUnit.NANOSECONDS);
            }
        }
        sends.forEach(Runnable::run);
    }

    /** Whether some admitted server is not in {@code failed}: then a retry should go there. */
    private boolean admittedWithout(BitSet failed) {
        if (failed.isEmpty()) return false;
        for (Endpoint e : endpoints) if (!e.ejected && !failed.get(e.index)) return true;
        return false;
    }

    private void send(Call c, Endpoint e) {
        var b = HttpRequest.newBuilder(e.chat).timeout(settings.requestTimeout())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(c.body, StandardCharsets.UTF_8));
        if (e.key != null) b.header("Authorization", "Bearer " + e.key.reveal());
        http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((resp, err) -> {
                    try {
                        finish(c, e, resp, err);
                    } catch (RuntimeException ex) {
                        c.result.completeExceptionally(ex);
                    }
                    pump();
                });
    }

    private void finish(Call c, Endpoint e, HttpResponse<String> resp, Throwable err) {
        long now = System.nanoTime();
        if (err instanceof CompletionException ce && ce.getCause() != null) err = ce.getCause();
        String failure = null;
        int status = 0;
        Duration retryAfter = null;
        JsonNode ok = null;
        if (err instanceof TimeoutException || err instanceof java.net.http.HttpTimeoutException) {
            failure = "no complete response within " + settings.requestTimeout().toMillis() + " ms";
        } else if (err instanceof IOException) {
            failure = "connection failed: " + err;
        } else if (err != null) {
            synchronized (this) {
                e.inFlight--;
            }
            c.result.completeExceptionally(new ModelCallException("POST " + e.chat + ": " + err, 0, false, err));
            return;
        } else {
            status = resp.statusCode();
            if (status == 200) {
                try {
                    ok = JSON.readTree(resp.body());
                } catch (IOException ex) {
                    synchronized (this) {
                        e.inFlight--;
                    }
                    c.result.completeExceptionally(new ModelCallException("POST " + e.chat + " answered 200 with a body that is not JSON: " + snippet(resp.body()), 200, false, null));
                    return;
                }
            } else if (status == 408 || status == 409 || status == 429 || status >= 500) {
                failure = "HTTP " + status + ": " + snippet(resp.body());
                retryAfter = OpenAiChatModel.retryAfter(resp.headers());
            } else {
                synchronized (this) {
                    e.inFlight--;
                }
                String hint = switch (status) {
                    case 401, 403 -> e.key == null ? " (no API key was sent; set the key's environment variable)" : " (check the key in " + e.key.source() + ")";
                    case 404 -> " (check the base URL " + e.spec.baseUrl() + " and the model name)";
                    default -> "";
                };
                c.result.completeExceptionally(new ModelCallException("POST " + e.chat + " failed with HTTP " + status + ": " + redact(snippet(resp.body())) + hint, status, false, null));
                return;
            }
        }
        boolean requeueNow = false;
        long backoffMs = -1;
        synchronized (this) {
            e.inFlight--;
            if (ok != null) {
                e.failuresInARow = 0;
                JsonNode usage = ok.path("usage");
                if (usage.path("total_tokens").isNumber()) e.tokens.refund(c.tokens - usage.path("total_tokens").asDouble(), now);
            } else {
                e.failures++;
                e.failuresInARow++;
                if (retryAfter != null && status == 429) e.pausedUntil = now + Math.min(retryAfter.toNanos(), settings.maxBackoff().toNanos());
                if (!e.ejected && e.failuresInARow >= settings.ejectAfter()) eject(e, e.failuresInARow + " failures in a row, last: " + failure);
                c.failedOn.set(e.index);
                c.last = failure + " (from " + e.spec.baseUrl() + ")";
                c.lastStatus = status;
                if (c.attempts > settings.maxRetries()) {
                    // fall through to fail outside the lock
                } else if (admittedWithout(c.failedOn)) {
                    requeueNow = true;
                } else {
                    backoffMs = backoff(c.failedOn.cardinality() >= endpoints.size() ? c.attempts - 1 : 0);
                    c.failedOn.clear();
                }
            }
        }
        if (ok != null) {
            c.result.complete(ok);
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: {1}; attempt {2}/{3}", e.chat, failure, c.attempts, settings.maxRetries() + 1);
        if (requeueNow) {
            synchronized (this) {
                queue.addFirst(c);
            }
        } else if (backoffMs >= 0) {
            timer.schedule(() -> {
                synchronized (this) {
                    if (closed) return;
                    queue.addFirst(c);
                }
                pump();
            }, backoffMs, TimeUnit.MILLISECONDS);
        } else {
            c.result.completeExceptionally(new ModelCallException("endpoint pool: gave up after " + c.attempts + " attempts; last: " + redact(c.last),
                    c.lastStatus, true, null));
        }
    }

    /** Exponential backoff with equal jitter, as {@link OpenAiChatModel} waits. */
    private long backoff(int retry) {
        long cap = settings.maxBackoff().toMillis();
        long base = Math.min(cap, settings.initialBackoff().toMillis() << Math.min(Math.max(retry, 0), 30));
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    private void eject(Endpoint e, String why) {
        e.ejected = true;
        e.ejections++;
        LOG.log(System.Logger.Level.WARNING, "endpoint pool: ejected {0} ({1}); a health check re-admits it", e.spec.baseUrl(), why);
        if (settings.healthInterval().isZero()) {
            timer.schedule(() -> readmit(e), Math.max(1, settings.initialBackoff().toMillis()), TimeUnit.MILLISECONDS);
        }
    }

    private void readmit(Endpoint e) {
        synchronized (this) {
            if (!e.ejected) return;
            e.ejected = false;
            e.failuresInARow = 0;
        }
        LOG.log(System.Logger.Level.INFO, "endpoint pool: re-admitted {0}", e.spec.baseUrl());
        pump();
    }

    /** One round of health checks: {@code GET /models} on every server, ejecting those that fail, re-admitting those that pass. */
    private void checkHealth() {
        for (Endpoint e : endpoints) {
            var b = HttpRequest.newBuilder(e.models).timeout(settings.connectTimeout()).GET();
            if (e.key != null) b.header("Authorization", "Bearer " + e.key.reveal());
            http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding())
                    .orTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((resp, err) -> {
                        boolean healthy = err == null && resp.statusCode() == 200;
                        if (healthy) readmit(e);
                        else synchronized (this) {
                            if (!e.ejected && !closed) eject(e, "health check " + (err != null ? "failed: " + err : "answered HTTP " + resp.statusCode()));
                        }
                    });
        }
    }

    private String redact(String s) {
        for (Endpoint e : endpoints) if (e.key != null) s = e.key.redact(s);
        return s;
    }

    private static String snippet(String s) {
        if (s == null) return "(empty body)";
        s = s.strip();
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    @Override
    public void close() {
        List<Call> pending;
        synchronized (this) {
            if (closed) return;
            closed = true;
            pending = new ArrayList<>(queue);
            queue.clear();
        }
        timer.shutdownNow();
        for (Call c : pending) c.result.completeExceptionally(new ModelCallException("endpoint pool closed", 0, false, null));
        http.shutdownNow();
    }
}
