package dev.deliberate.align.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.deliberate.align.llm.StubServer.json;
import static org.junit.jupiter.api.Assertions.*;

/** The HTTP client against a loopback stub that fails on purpose: it retries, gives up clearly, never hangs. */
@Timeout(30)
class OpenAiChatModelTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<Message> HELLO = List.of(Message.user("hello"));
    static final String SECRET = "sk-test-5ecret-DO-NOT-LEAK-123456";

    static String ok(String... contents) {
        var sb = new StringBuilder("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[");
        for (int i = 0; i < contents.length; i++) {
            if (i > 0) sb.append(',');
            sb.append("{\"index\":").append(i).append(",\"message\":{\"role\":\"assistant\",\"content\":")
                    .append(JSON.valueToTree(contents[i]).toString()).append("},\"finish_reason\":\"stop\"}");
        }
        return sb.append("],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}").toString();
    }

    static OpenAiChatModel client(StubServer s, int retries, Duration timeout) {
        return new OpenAiChatModel(OpenAiChatModel.Options.of(s.baseUrl(), "stub-model")
                .withMaxRetries(retries).withRequestTimeout(timeout)
                .withBackoff(Duration.ofMillis(10), Duration.ofSeconds(5)));
    }

    @Test
    void sendsEverySamplingParameterAndParsesTheAnswer() throws Exception {
        try (var s = new StubServer(r -> json(200, ok("<think>\nweigh it\n</think>\n\nforty-two")));
             var m = client(s, 0, Duration.ofSeconds(5))) {
            var params = new SamplingParams(0.7, 0.9, 33, 1, List.of("END", "\n\n"), 1234L);
            var out = m.chat(List.of(Message.system("be brief"), Message.user("q?")), params);
            assertEquals(List.of(new Completion("weigh it", "forty-two", "stop", new Completion.Usage(5, 7, -1))), out);
            var req = s.seen.getFirst();
            assertEquals("POST", req.method());
            assertEquals("/v1/chat/completions", req.path());
            JsonNode body = JSON.readTree(req.body());
            assertEquals("stub-model", body.get("model").asText());
            assertEquals("system", body.at("/messages/0/role").asText());
            assertEquals("q?", body.at("/messages/1/content").asText());
            assertEquals(0.7, body.get("temperature").asDouble());
            assertEquals(0.9, body.get("top_p").asDouble());
            assertEquals(33, body.get("max_tokens").asInt());
            assertEquals(1, body.get("n").asInt());
            assertEquals("END", body.at("/stop/0").asText());
            assertEquals(1234, body.get("seed").asLong());
            assertFalse(req.headers().containsKey("authorization"), "no key configured, none sent");
        }
    }

    @Test
    void takesReasoningFromReasoningContent() throws Exception {
        String body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Paris\",\"reasoning_content\":\"capital of France\"},\"finish_reason\":\"length\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":9,\"completion_tokens_details\":{\"reasoning_tokens\":4}}}";
        try (var s = new StubServer(r -> json(200, body)); var m = client(s, 0, Duration.ofSeconds(5))) {
            assertEquals(List.of(new Completion("capital of France", "Paris", "length", new Completion.Usage(3, 9, 4))), m.chat(HELLO, SamplingParams.greedy(8)));
        }
    }

    @Test
    void backoffDoublesWithJitterAndHonoursRetryAfter() {
        var m = new OpenAiChatModel(OpenAiChatModel.Options.of(java.net.URI.create("http://127.0.0.1:9/v1"), "m")
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)));
        for (int trial = 0; trial < 200; trial++) {
            for (int retry = 0; retry < 6; retry++) {
                long base = Math.min(1000, 100L << retry);
                long ms = m.backoff(retry, null).toMillis();
                assertTrue(ms >= base / 2 && ms <= base, "retry " + retry + ": " + ms + " ms not in [" + base / 2 + ", " + base + "]");
            }
            long ms = m.backoff(0, Duration.ofMillis(700)).toMillis();
            assertTrue(ms >= 700 && ms <= 1400, "never sooner than Retry-After: " + ms);
        }
        assertNull(m.backoff(0, Duration.ofSeconds(5)), "a wait beyond the cap is refused, not slept");
        java.util.function.Function<Map<String, String>, Duration> parse = h -> OpenAiChatModel.retryAfter(
                java.net.http.HttpHeaders.of(h.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))), (a, b) -> true));
        assertEquals(Duration.ofMillis(1500), parse.apply(Map.of("retry-after", "1.5")));
        assertEquals(Duration.ofMillis(250), parse.apply(Map.of("retry-after-ms", "250", "retry-after", "9")));
        var inTwoMinutes = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(120).format(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
        long s = parse.apply(Map.of("retry-after", inTwoMinutes)).toSeconds();
        assertTrue(s >= 115 && s <= 120, "HTTP date: " + s);
        assertNull(parse.apply(Map.of("retry-after", "soon")));
        assertNull(parse.apply(Map.of()));
        m.close();
    }

    @Test
    void retries429HonouringRetryAfter() throws Exception {
        try (var s = new StubServer(r -> r.number() == 1
                ? new StubServer.Respond(429, Map.of("Retry-After", "1", "Content-Type", "application/json"), "{\"error\":{\"message\":\"slow down\"}}")
                : json(200, ok("fine")));
             var m = client(s, 3, Duration.ofSeconds(5))) {
            long t0 = System.nanoTime();
            assertEquals("fine", m.chat(HELLO, SamplingParams.greedy(8)).getFirst().answer());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 950, "must wait the 1 s Retry-After asked for, waited " + ms + " ms");
            assertEquals(2, s.requests.get());
        }
    }

    @Test
    void retriesResetsAnd5xxThenSucceeds() throws Exception {
        try (var s = new StubServer(r -> switch (r.number()) {
            case 1 -> new StubServer.Reset();
            case 2 -> json(500, "{\"error\":{\"message\":\"boom\"}}");
            case 3 -> json(503, "overloaded");
            default -> json(200, ok("made it"));
        }); var m = client(s, 4, Duration.ofSeconds(5))) {
            assertEquals("made it", m.chat(HELLO, SamplingParams.greedy(8)).getFirst().answer());
            assertEquals(4, s.requests.get());
        }
    }

    record Failure(ModelCallException e, int requests) {}

    /** Calls a server that always answers {@code status} with {@code body}, allowing {@code retries} retries. */
    static Failure failure(int status, String body, int retries) throws Exception {
        try (var s = new StubServer(r -> json(status, body)); var m = client(s, retries, Duration.ofSeconds(5))) {
            var e = assertThrows(ModelCallException.class, () -> m.chat(HELLO, SamplingParams.greedy(8)));
            assertEquals(status, e.status());
            return new Failure(e, s.requests.get());
        }
    }

    @Test
    void givesUpAfterItsBudgetWithTheServersMessage() throws Exception {
        var f = failure(502, "{\"error\":{\"message\":\"upstream exploded\"}}", 2);
        assertTrue(f.e().transientFailure());
        assertTrue(f.e().getMessage().contains("gave up after 3 attempts") && f.e().getMessage().contains("upstream exploded"), f.e().getMessage());
        assertEquals(3, f.requests());
    }

    @Test
    void clientErrorsFailAtOnceNamingStatusAndMessage() throws Exception {
        var f = failure(400, "{\"error\":{\"message\":\"max_tokens is too large\",\"type\":\"invalid_request_error\"}}", 5);
        assertFalse(f.e().transientFailure());
        assertTrue(f.e().getMessage().contains("HTTP 400") && f.e().getMessage().contains("max_tokens is too large"), f.e().getMessage());
        assertEquals(1, f.requests(), "4xx must not be retried");
    }

    @Test
    void retryAfterLongerThanTheCapFailsNowInsteadOfHanging() throws Exception {
        try (var s = new StubServer(r -> new StubServer.Respond(429, Map.of("Retry-After", "3600"), "quota"));
             var m = client(s, 5, Duration.ofSeconds(5))) {
            var e = assertThrows(ModelCallException.class, () -> m.chat(HELLO, SamplingParams.greedy(8)));
            assertTrue(e.getMessage().contains("asked to wait 3600 s"), e.getMessage());
            assertEquals(1, s.requests.get());
        }
    }

    @Test
    void aHungUpstreamCostsAtMostTheTotalDeadline() throws Exception {
        // every attempt hangs; 50 retries of 400 ms would take 20 s, the 1.5 s deadline stops them
        try (var s = new StubServer(r -> new StubServer.Stall("{", 30_000));
             var m = new OpenAiChatModel(OpenAiChatModel.Options.of(s.baseUrl(), "stub-model").withMaxRetries(50)
                     .withRequestTimeout(Duration.ofMillis(400)).withTotalTimeout(Duration.ofMillis(1500)).withBackoff(Duration.ofMillis(10), Duration.ofMillis(50)))) {
            long t0 = System.nanoTime();
            var e = assertThrows(ModelCallException.class, () -> m.chat(HELLO, SamplingParams.greedy(8)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 3_000, "took " + ms + " ms");
            assertTrue(e.getMessage().contains("total deadline"), e.getMessage());
            assertTrue(s.requests.get() <= 5, "attempts within the deadline only: " + s.requests.get());
        }
        var d = OpenAiChatModel.Options.of(java.net.URI.create("http://127.0.0.1:1/v1"), "m");
        assertTrue(d.totalTimeout().toMinutes() < 60, "the default bound on a hung upstream is far below an hour: " + d.totalTimeout());
    }

    @Test
    void anInterruptAbortsTheCall() throws Exception {
        try (var s = new StubServer(r -> new StubServer.Stall("{", 30_000)); var m = client(s, 3, Duration.ofSeconds(20))) {
            var caller = Thread.ofVirtual().start(() -> assertThrows(ModelCallException.class, () -> m.chat(HELLO, SamplingParams.greedy(8))));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.requests.get() < 1 && System.nanoTime() < deadline) Thread.sleep(5);
            long t0 = System.nanoTime();
            caller.interrupt();
            caller.join(5_000);
            assertFalse(caller.isAlive(), "an interrupted call returns at once");
            assertTrue(System.nanoTime() - t0 < 3_000_000_000L);
            assertEquals(1, s.requests.get(), "and is not retried");
        }
    }

    @Test
    void aSlowBodyTimesOutAndIsRetried() throws Exception {
        try (var s = new StubServer(r -> r.number() == 1 ? new StubServer.Stall("{\"choices\":[", 5_000) : json(200, ok("second try")));
             var m = client(s, 2, Duration.ofMillis(400))) {
            long t0 = System.nanoTime();
            assertEquals("second try", m.chat(HELLO, SamplingParams.greedy(8)).getFirst().answer());
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "the stalled attempt must be cut at the timeout");
        }
        try (var s = new StubServer(r -> new StubServer.Stall("{", 5_000)); var m = client(s, 1, Duration.ofMillis(300))) {
            var e = assertThrows(ModelCallException.class, () -> m.chat(HELLO, SamplingParams.greedy(8)));
            assertTrue(e.getMessage().contains("no complete response within 300 ms"), e.getMessage());
        }
    }

    @Test
    void theKeyIsSentButNeverShown() throws Exception {
        // a server that echoes the Authorization header back in its error, as some do
        try (var s = new StubServer(r -> json(401, "{\"error\":{\"message\":\"bad key " + r.headers().get("authorization") + "\"}}"))) {
            var opts = OpenAiChatModel.Options.of(s.baseUrl(), "m").withApiKey(ApiKey.of(SECRET, "$TEST_KEY")).withMaxRetries(0);
            try (var m = new OpenAiChatModel(opts)) {
                var e = assertThrows(ModelCallException.class, () -> m.chat(HELLO, SamplingParams.greedy(8)));
                assertEquals("Bearer " + SECRET, s.seen.getFirst().headers().get("authorization"));
                var trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                for (String shown : List.of(trace.toString(), m.toString(), opts.toString(), opts.apiKey().toString(), m.id()))
                    assertFalse(shown.contains(SECRET) || shown.contains("5ecret"), "key leaked into: " + shown);
                assertTrue(e.getMessage().contains("redacted $TEST_KEY") && e.getMessage().contains("check the key in $TEST_KEY"), e.getMessage());
            }
        }
    }

    @Test
    void theKeyStaysOutOfLogsAndTheCacheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        var records = new java.util.concurrent.CopyOnWriteArrayList<String>();
        var formatter = new java.util.logging.SimpleFormatter();
        var handler = new java.util.logging.Handler() {
            public void publish(java.util.logging.LogRecord r) {
                records.add(formatter.format(r));
            }

            public void flush() {}

            public void close() {}
        };
        handler.setLevel(java.util.logging.Level.ALL);
        var logger = java.util.logging.Logger.getLogger(OpenAiChatModel.class.getName());
        var before = logger.getLevel();
        logger.setLevel(java.util.logging.Level.ALL);
        logger.addHandler(handler);
        // fails twice echoing the key, as a careless proxy might, then answers
        try (var s = new StubServer(r -> r.number() <= 2 ? json(500, "{\"error\":{\"message\":\"upstream saw " + r.headers().get("authorization") + "\"}}") : json(200, ok("done")));
             var m = new CachedChatModel(new OpenAiChatModel(OpenAiChatModel.Options.of(s.baseUrl(), "m").withApiKey(ApiKey.of(SECRET, "$TEST_KEY"))
                     .withBackoff(Duration.ofMillis(5), Duration.ofSeconds(1))), ResponseCache.open(tmp.resolve("c.sqlite")), true)) {
            assertEquals("done", m.chat(HELLO, SamplingParams.greedy(8)).getFirst().answer());
        } finally {
            logger.removeHandler(handler);
            logger.setLevel(before);
        }
        assertEquals(2, records.size(), "one line per retry: " + records);
        for (String line : records) {
            assertFalse(line.contains(SECRET), "key leaked into the log: " + line);
            assertTrue(line.contains("redacted $TEST_KEY"), line);
        }
        try (var files = java.nio.file.Files.list(tmp)) {
            for (var f : files.toList())
                assertFalse(new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains(SECRET), "key leaked into " + f);
        }
    }

    @Test
    void retriesBehindTheCacheLeaveOneRecordPerSample(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        try (var s = new StubServer(r -> switch (r.number()) {
            case 1 -> new StubServer.Reset();
            case 2 -> new StubServer.Stall("{\"choices\":[", 3_000);
            case 3 -> json(429, "{}");
            default -> json(200, ok("a", "b"));
        }); var cache = ResponseCache.open(tmp.resolve("c.sqlite"));
             var m = new CachedChatModel(client(s, 5, Duration.ofMillis(300)), cache, false)) {
            var p = SamplingParams.sample(1.0, 8, 2, 1);
            assertEquals(List.of("a", "b"), m.chat(HELLO, p).stream().map(Completion::answer).toList());
            assertEquals(4, s.requests.get());
            assertEquals(2, cache.size(), "one row per sample despite three failed attempts");
            assertEquals(List.of("a", "b"), m.chat(HELLO, p).stream().map(Completion::answer).toList());
            assertEquals(4, s.requests.get(), "the rerun is served from the cache");
        }
    }

    @Test
    void concurrencyIsBounded() throws Exception {
        var inFlight = new AtomicInteger();
        var peak = new AtomicInteger();
        try (var s = new StubServer(r -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return json(200, ok("x"));
        }); var m = new OpenAiChatModel(OpenAiChatModel.Options.of(s.baseUrl(), "m").withMaxConcurrency(2));
             var pool = Executors.newFixedThreadPool(6)) {
            var futures = new ArrayList<Future<List<Completion>>>();
            for (int i = 0; i < 6; i++) futures.add(pool.submit(() -> m.chat(HELLO, SamplingParams.greedy(4))));
            for (var f : futures) assertEquals("x", f.get().getFirst().answer());
            assertEquals(2, peak.get(), "at most 2 calls in flight");
        }
    }

    @Test
    void asksAgainWhenAServerIgnoresN() throws Exception {
        var counter = new AtomicInteger();
        try (var s = new StubServer(r -> json(200, ok("sample " + counter.getAndIncrement()))); var m = client(s, 0, Duration.ofSeconds(5))) {
            var out = m.chat(HELLO, SamplingParams.sample(1.0, 8, 3, 7));
            assertEquals(List.of("sample 0", "sample 1", "sample 2"), out.stream().map(Completion::answer).toList());
        }
    }

    // ---- streaming ----

    static String chunk(int index, String field, String text, String finish) {
        var c = JSON.createObjectNode();
        var choice = c.putArray("choices").addObject().put("index", index);
        var delta = choice.putObject("delta");
        if (field != null) delta.put(field, text);
        if (finish != null) choice.put("finish_reason", finish);
        else choice.putNull("finish_reason");
        return c.toString();
    }

    @Test
    void streamsDeltasSplittingThinkAcrossChunkBoundaries() throws Exception {
        var data = List.of(
                chunk(0, "content", "<thi", null), chunk(1, "reasoning_content", "plan", null),
                chunk(0, "content", "nk>\nstep one\n", null), chunk(1, "content", "Done.", null),
                chunk(0, "content", "</th", null), chunk(0, "content", "ink>\n\nThe answer", null),
                chunk(0, "content", " is 4.", "stop"), chunk(1, null, null, "length"),
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":11}}");
        try (var s = new StubServer(r -> new StubServer.Sse(data, 5, true)); var m = client(s, 0, Duration.ofSeconds(5))) {
            var reasoning = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
            var answer = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
            var deltas = new AtomicInteger();
            var out = m.chatStreaming(HELLO, SamplingParams.greedy(16).withN(2), d -> {
                deltas.incrementAndGet();
                reasoning[d.index()].append(d.reasoning());
                answer[d.index()].append(d.answer());
            });
            assertTrue(JSON.readTree(s.seen.getFirst().body()).get("stream").asBoolean());
            assertEquals(new Completion("step one", "The answer is 4.", "stop", new Completion.Usage(4, -1, -1)), out.get(0));
            assertEquals(new Completion("plan", "Done.", "length", new Completion.Usage(4, -1, -1)), out.get(1));
            for (int i = 0; i < 2; i++) {
                assertEquals(out.get(i).reasoning(), reasoning[i].toString());
                assertEquals(out.get(i).answer(), answer[i].toString());
            }
            assertTrue(deltas.get() >= 5, "deltas arrive piece by piece, got " + deltas.get());
        }
    }

    @Test
    void aStreamCutBeforeAnyTextIsRetriedButAfterTextItFailsClearly() throws Exception {
        var whole = List.of(chunk(0, "content", "all", null), chunk(0, "content", " good", "stop"));
        try (var s = new StubServer(r -> r.number() == 1 ? new StubServer.Sse(List.of(), 0, false) : new StubServer.Sse(whole, 0, true));
             var m = client(s, 2, Duration.ofSeconds(5))) {
            var out = m.chatStreaming(HELLO, SamplingParams.greedy(8), d -> {});
            assertEquals("all good", out.getFirst().answer());
            assertEquals(2, s.requests.get());
        }
        try (var s = new StubServer(r -> new StubServer.Sse(List.of(chunk(0, "content", "half", null)), 0, false));
             var m = client(s, 3, Duration.ofSeconds(5))) {
            var got = new StringBuilder();
            var e = assertThrows(ModelCallException.class, () -> m.chatStreaming(HELLO, SamplingParams.greedy(8), d -> got.append(d.answer())));
            assertTrue(e.getMessage().contains("ended before [DONE]") && e.getMessage().contains("not retried"), e.getMessage());
            assertEquals("half", got.toString());
            assertEquals(1, s.requests.get());
        }
    }

    @Test
    void aStalledStreamIsCutAtTheTimeout() throws Exception {
        try (var s = new StubServer(r -> new StubServer.Sse(List.of(chunk(0, "content", "a", null), chunk(0, "content", "b", null)), 10_000, true));
             var m = client(s, 0, Duration.ofMillis(400))) {
            long t0 = System.nanoTime();
            var e = assertThrows(ModelCallException.class, () -> m.chatStreaming(HELLO, SamplingParams.greedy(8), d -> {}));
            assertTrue(e.getMessage().contains("stalled"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        }
    }
}
