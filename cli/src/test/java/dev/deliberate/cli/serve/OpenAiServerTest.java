package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deliberate.align.llm.FinishReason;
import dev.deliberate.align.llm.ApiKey;
import dev.deliberate.align.llm.CachedChatModel;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.OpenAiChatModel;
import dev.deliberate.align.llm.ResponseCache;
import dev.deliberate.align.llm.SamplingParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Our client against our server over real loopback HTTP, and raw requests for everything a client can get wrong. */
@Timeout(60)
class OpenAiServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<Message> Q = List.of(Message.system("be terse"), Message.user("hello there"));
    static final HttpClient RAW = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path tmp;

    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (var c : open.reversed()) c.close();
    }

    <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    OpenAiServer serve(ChatModel model, int maxQueue, int maxBatch, OpenAiServer.Options options) throws Exception {
        var scheduler = new BatchingScheduler(model, maxQueue, maxBatch);
        var server = track(new OpenAiServer("echo", scheduler, options));
        schedulers.put(server, scheduler);
        return server;
    }

    OpenAiChatModel client(OpenAiServer s) {
        return track(new OpenAiChatModel(OpenAiChatModel.Options.of(s.baseUrl(), "echo").withMaxRetries(0).withRequestTimeout(Duration.ofSeconds(20))));
    }

    record Raw(int status, JsonNode body, HttpResponse<String> response) {}

    static Raw raw(OpenAiServer s, String method, String path, String body, String... headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) b.headers(headers);
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) typed |= headers[i].equalsIgnoreCase("Content-Type");
        if (body != null && !typed) b.header("Content-Type", "application/json");
        var r = RAW.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode j;
        try {
            j = JSON.readTree(r.body());
        } catch (Exception e) {
            j = null;
        }
        return new Raw(r.statusCode(), j, r);
    }

    static void assertError(Raw r, int status, String param, String... words) {
        assertEquals(status, r.status(), r.response().body());
        assertNotNull(r.body(), "error body must be JSON: " + r.response().body());
        JsonNode e = r.body().get("error");
        assertNotNull(e, "OpenAI error shape {\"error\":{…}}: " + r.body());
        assertTrue(e.get("type").isTextual());
        assertTrue(e.has("code"));
        if (param == null) assertTrue(e.get("param").isNull(), r.body().toString());
        else assertEquals(param, e.get("param").asText(), r.body().toString());
        for (String w : words) assertTrue(e.get("message").asText().contains(w), "message should mention '" + w + "': " + e.get("message"));
    }

    @Test
    void plainChatRoundTripsEveryField() throws Exception {
        var s = serve(new EchoModel(0), 8, 4, OpenAiServer.Options.loopback(0));
        var c = client(s);
        var p = new SamplingParams(0.5, 0.9, 50, 1, List.of(), 77L);
        assertEquals(EchoModel.answer(Q, p), c.chat(Q, p));
        var n3 = p.withN(3);
        assertEquals(EchoModel.answer(Q, n3).stream().map(Completion::answer).toList(), c.chat(Q, n3).stream().map(Completion::answer).toList());
        assertEquals(EchoModel.answer(Q, n3).stream().map(Completion::reasoning).toList(), c.chat(Q, n3).stream().map(Completion::reasoning).toList());

        var stopped = c.chat(Q, p.withStop(List.of("[sample", "zzz")));
        assertEquals("you said: hello there ", stopped.getFirst().answer());
        assertEquals(FinishReason.STOP, stopped.getFirst().finishReason());
        var cut = c.chat(Q, p.withMaxTokens(3));
        assertEquals("you said: hello", cut.getFirst().answer());
        assertEquals(FinishReason.LENGTH, cut.getFirst().finishReason());

        var raw = raw(s, "POST", "/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}],\"n\":2}");
        assertEquals(200, raw.status());
        assertEquals("chat.completion", raw.body().get("object").asText());
        assertEquals("echo sample 1", raw.body().at("/choices/1/message/reasoning_content").asText());
        assertEquals("you said: hi [sample 1, seed null]", raw.body().at("/choices/1/message/content").asText());
        assertEquals(2 * (7 + 3), raw.body().at("/usage/completion_tokens").asInt());

        var models = raw(s, "GET", "/v1/models", null);
        assertEquals("echo", models.body().at("/data/0/id").asText());
        assertEquals(200, raw(s, "GET", "/v1/models/echo", null).status());
    }

    @Test
    void streamsDeltasAndFinishesWithDone() throws Exception {
        var s = serve(new EchoModel(0), 8, 4, OpenAiServer.Options.loopback(0));
        var c = client(s);
        var p = new SamplingParams(1, 1, 50, 2, List.of("]"), 5L);
        var reasoning = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
        var answer = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
        var got = c.chatStreaming(Q, p, d -> {
            reasoning[d.index()].append(d.reasoning());
            answer[d.index()].append(d.answer());
        });
        var want = EchoModel.answer(Q, p);
        for (int i = 0; i < 2; i++) {
            assertEquals(want.get(i).answer(), got.get(i).answer());
            assertEquals(want.get(i).reasoning(), got.get(i).reasoning());
            assertEquals(want.get(i).answer(), answer[i].toString());
            assertEquals(want.get(i).reasoning(), reasoning[i].toString());
            assertEquals(FinishReason.STOP, got.get(i).finishReason());
        }
        var raw = raw(s, "POST", "/v1/chat/completions", "{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(200, raw.status());
        assertTrue(raw.response().headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        var lines = raw.response().body().lines().filter(l -> l.startsWith("data: ")).toList();
        assertEquals("data: [DONE]", lines.getLast());
        assertTrue(lines.getFirst().contains("\"role\":\"assistant\"") && lines.getFirst().contains("chat.completion.chunk"), lines.getFirst());
        assertTrue(lines.get(lines.size() - 2).contains("\"finish_reason\":\"stop\""), lines.toString());
    }

    @Test
    void concurrentRequestsAreBatched() throws Exception {
        var model = new EchoModel(60);
        var s = serve(model, 64, 8, OpenAiServer.Options.loopback(0));
        var c = track(new OpenAiChatModel(OpenAiChatModel.Options.of(s.baseUrl(), "echo").withMaxConcurrency(16).withMaxRetries(0)));
        try (var pool = Executors.newFixedThreadPool(16)) {
            var futures = new ArrayList<Future<List<Completion>>>();
            for (int i = 0; i < 16; i++) {
                var q = List.of(Message.user("q" + i));
                futures.add(pool.submit(() -> c.chat(q, SamplingParams.greedy(20))));
            }
            for (int i = 0; i < 16; i++) assertEquals("you said: q" + i + " [sample 0, seed null]", futures.get(i).get().getFirst().answer());
        }
        assertEquals(16, model.batchSizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(model.batchSizes.stream().anyMatch(b -> b > 1), "requests that wait together must share a batch: " + model.batchSizes);
        assertTrue(model.batchSizes.stream().allMatch(b -> b <= 8), "max-batch is 8: " + model.batchSizes);
    }

    /** Blocks every batch until released, so a test can fill the queue. */
    static final class GatedModel implements ChatModel {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);

        public String id() {
            return "test:gated";
        }

        public List<Completion> chat(List<Message> messages, SamplingParams params) {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return EchoModel.answer(messages, params);
        }
    }

    @Test
    void aFullQueueAnswers429() throws Exception {
        var model = new GatedModel();
        var s = serve(model, 2, 1, OpenAiServer.Options.loopback(0));
        String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        try (var pool = Executors.newFixedThreadPool(3)) {
            var first = pool.submit(() -> raw(s, "POST", "/v1/chat/completions", body));
            assertTrue(model.entered.await(10, TimeUnit.SECONDS));
            var queued = List.of(pool.submit(() -> raw(s, "POST", "/v1/chat/completions", body)), pool.submit(() -> raw(s, "POST", "/v1/chat/completions", body)));
            long deadline = System.nanoTime() + 10_000_000_000L;
            var scheduler = (BatchingScheduler) schedulerOf(s);
            while (scheduler.queued() < 2 && System.nanoTime() < deadline) Thread.sleep(10);
            var rejected = raw(s, "POST", "/v1/chat/completions", body);
            assertError(rejected, 429, null, "queue is full");
            assertEquals("rate_limit_exceeded", rejected.body().at("/error/code").asText());
            assertEquals("1", rejected.response().headers().firstValue("retry-after").orElse(""));
            model.release.countDown();
            assertEquals(200, first.get().status());
            for (var q : queued) assertEquals(200, q.get().status());
        }
    }

    private final java.util.Map<OpenAiServer, Scheduler> schedulers = new java.util.HashMap<>();

    Scheduler schedulerOf(OpenAiServer s) {
        return schedulers.get(s);
    }

    @Test
    void malformedRequestsGetOpenAiErrorsNamingTheField() throws Exception {
        var s = serve(new EchoModel(0), 8, 4, OpenAiServer.Options.loopback(0).withMaxBodyBytes(4096));
        String path = "/v1/chat/completions";
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":["), 400, null, "could not parse the JSON");
        assertError(raw(s, "POST", path, "[1,2]"), 400, null, "must be a JSON object");
        assertError(raw(s, "POST", path, ""), 400, null, "empty");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\"}"), 400, "messages", "required");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":\"hi\"}"), 400, "messages", "must be an array", "string");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"), 400, "messages[0].role", "wizard");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"user\",\"content\":5}]}"), 400, "messages[1].content", "number 5");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":\"two\"}"), 400, "n", "integer", "string");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":0}"), 400, "n", "between 1 and");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}"), 400, "temperature", "number");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":0}"), 400, "top_p");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[1]}"), 400, "stop", "stop[0]");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":1.5}"), 400, "seed", "integer");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}"), 400, "stream", "true or false");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":-3}"), 400, "max_tokens");
        assertError(raw(s, "POST", path, "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404, "model", "gpt-9", "echo");
        assertError(raw(s, "POST", path, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}"), 413, null, "exceeds", "4096");
        assertError(raw(s, "GET", path, null), 405, null, "use POST");
        assertError(raw(s, "POST", "/v1/embeddings", "{}"), 404, null, "no route");
        assertError(raw(s, "GET", "/v1/models/nope", null), 404, "model", "nope");
    }

    @Test
    void aBearerTokenIsRequiredWhenConfigured() throws Exception {
        var s = serve(new EchoModel(0), 8, 4, OpenAiServer.Options.loopback(0).withApiKey(ApiKey.of("serve-secret", "$K")));
        String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        var missing = raw(s, "POST", "/v1/chat/completions", body);
        assertError(missing, 401, null, "missing API key");
        assertEquals("Bearer", missing.response().headers().firstValue("www-authenticate").orElse(""));
        assertError(raw(s, "GET", "/v1/models", null, "Authorization", "Bearer wrong"), 401, null, "incorrect API key");
        assertEquals(200, raw(s, "POST", "/v1/chat/completions", body, "Authorization", "Bearer serve-secret").status());
        var c = track(new OpenAiChatModel(OpenAiChatModel.Options.of(s.baseUrl(), "echo").withApiKey(ApiKey.of("serve-secret", "$K"))));
        assertEquals("you said: hello there [sample 0, seed null]", c.chat(Q, SamplingParams.greedy(30)).getFirst().answer());
    }

    @Test
    void aRemoteModelIsServedAsACachingProxy() throws Exception {
        var upstreamModel = new EchoModel(0);
        var upstream = serve(upstreamModel, 8, 4, OpenAiServer.Options.loopback(0));
        var cache = ResponseCache.open(tmp.resolve("proxy.sqlite"));
        var cached = track(new CachedChatModel(new OpenAiChatModel(OpenAiChatModel.Options.of(upstream.baseUrl(), "echo")), cache, true));
        var proxy = track(new OpenAiServer("echo", new ConcurrentScheduler(cached, 8, 4), OpenAiServer.Options.loopback(0)));
        var c = client(proxy);
        var p = new SamplingParams(0.7, 1, 40, 2, List.of(), 3L);
        var first = c.chat(Q, p);
        assertEquals(EchoModel.answer(Q, p).stream().map(Completion::answer).toList(), first.stream().map(Completion::answer).toList());
        var again = c.chat(Q, p);
        assertEquals(first, again);
        var streamed = new StringBuilder();
        var viaStream = c.chatStreaming(Q, p, d -> streamed.append(d.answer()));
        assertEquals(first.stream().map(Completion::answer).toList(), viaStream.stream().map(Completion::answer).toList());
        assertEquals(first.get(0).answer() + first.get(1).answer(), streamed.toString());
        assertEquals(1, upstreamModel.calls.get(), "the repeats were answered from the cache");
        assertEquals(2, cache.size());

        // an upstream 4xx keeps its status through the proxy
        var badProxy = track(new OpenAiServer("echo", new ConcurrentScheduler(track(new OpenAiChatModel(OpenAiChatModel.Options.of(upstream.baseUrl(), "not-served").withMaxRetries(0))), 8, 4),
                OpenAiServer.Options.loopback(0)));
        assertError(raw(badProxy, "POST", "/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404, null, "not-served");
        assertError(raw(badProxy, "POST", "/v1/chat/completions", "{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), 404, null, "not-served");
    }

    @Test
    void shutdownLetsRequestsInProgressFinish() throws Exception {
        var model = new EchoModel(400);
        var s = new OpenAiServer("echo", new BatchingScheduler(model, 8, 4), OpenAiServer.Options.loopback(0));
        String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"late\"}]}";
        try (var pool = Executors.newFixedThreadPool(2)) {
            var inFlight = pool.submit(() -> raw(s, "POST", "/v1/chat/completions", body));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (model.batchSizes.isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
            s.stop(Duration.ofSeconds(5));
            var r = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status());
            assertEquals("you said: late [sample 0, seed null]", r.body().at("/choices/0/message/content").asText());
        }
        assertThrows(java.io.IOException.class, () -> raw(s, "GET", "/v1/models", null), "a stopped server accepts nothing");
    }
}
