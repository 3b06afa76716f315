package dev.deliberate.align.llm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

class EndpointPoolTest {
    private static final EndpointPool.Settings FAST = EndpointPool.Settings.defaults()
            .withBackoff(Duration.ofMillis(5), Duration.ofMillis(50)).withHealth(3, Duration.ofMillis(100)).withRequestTimeout(Duration.ofSeconds(10));

    private static List<FakeEndpoint> start(int n, FakeEndpoint.Behaviour b) {
        var list = new ArrayList<FakeEndpoint>();
        for (int i = 0; i < n; i++) list.add(FakeEndpoint.start(b, null));
        return list;
    }

    private static PooledChatModel pool(List<FakeEndpoint> fakes, int perEndpoint, EndpointPool.Settings s) {
        var specs = fakes.stream().map(f -> EndpointSpec.of(f.baseUrl(), perEndpoint)).toList();
        return new PooledChatModel("fake", new EndpointPool(specs, s, null));
    }

    private static List<List<Completion>> callAll(PooledChatModel m, int calls) {
        var futures = new ArrayList<CompletableFuture<List<Completion>>>();
        for (int i = 0; i < calls; i++)
            futures.add(m.chatAsync(List.of(Message.user("question " + i)), SamplingParams.sample(1, 16, 1, i)));
        return futures.stream().map(CompletableFuture::join).toList();
    }

    @Test
    void spreadsCallsByLeastOutstandingWithinEachServersLimit() {
        var fakes = start(4, FakeEndpoint.Behaviour.of(Duration.ofMillis(20), 64));
        try (var m = pool(fakes, 8, FAST)) {
            var answers = callAll(m, 400);
            assertEquals(400, answers.size());
            // the answer depends on the request only, whichever server gave it
            assertEquals(400, new HashSet<>(answers.stream().map(a -> a.getFirst().answer()).toList()).size());
            for (FakeEndpoint f : fakes) {
                assertTrue(f.peakInFlight() <= 8, "a server had " + f.peakInFlight() + " calls at once, limit 8");
                assertTrue(f.served() >= 60 && f.served() <= 140, "unbalanced: " + f.served() + " of 400");
            }
            assertEquals(32, m.pool().capacity());
        } finally {
            fakes.forEach(FakeEndpoint::close);
        }
    }

    @Test
    void retriesMoveToAnotherServerAndNothingIsLostWhenOneFailsHalfItsCalls() {
        var fakes = start(3, FakeEndpoint.Behaviour.of(Duration.ofMillis(5), 64));
        var flaky = FakeEndpoint.start(FakeEndpoint.Behaviour.of(Duration.ofMillis(5), 64).withErrorRate(0.5), null);
        fakes.add(flaky);
        try (var m = pool(fakes, 8, FAST)) {
            var answers = callAll(m, 300);
            assertEquals(300, answers.stream().filter(a -> a.size() == 1).count());
            assertTrue(flaky.failed() > 0, "the flaky server never failed");
            long served = fakes.stream().mapToLong(FakeEndpoint::served).sum();
            assertEquals(300, served, "every call answered exactly once");
        } finally {
            fakes.forEach(FakeEndpoint::close);
        }
    }

    @Test
    void ejectsADownServerAndReadmitsItWhenItsHealthCheckPasses() throws Exception {
        var fakes = start(2, FakeEndpoint.Behaviour.of(Duration.ZERO, 64));
        FakeEndpoint down = fakes.get(1);
        down.setDown(true);
        try (var m = pool(fakes, 4, FAST)) {
            callAll(m, 40);
            assertEquals(0, down.served());
            var stats = m.pool().stats();
            assertFalse(stats.get(1).admitted(), "a server failing every call and its health check is ejected");
            assertTrue(stats.get(1).ejections() >= 1);
            down.setDown(false);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!m.pool().stats().get(1).admitted() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(m.pool().stats().get(1).admitted(), "re-admitted after a passing health check");
            callAll(m, 40);
            assertTrue(down.served() > 0, "a re-admitted server takes calls again");
        } finally {
            fakes.forEach(FakeEndpoint::close);
        }
    }

    @Test
    void aClientErrorFailsAtOnceAndSpentRetriesNameTheLastFailure() {
        var fake = FakeEndpoint.start(FakeEndpoint.Behaviour.of(Duration.ZERO, 4), null);
        try (var m = new PooledChatModel("fake", new EndpointPool(List.of(EndpointSpec.of(URI.create(fake.baseUrl() + "/nothing-here"), 4)), FAST, null))) {
            var e = assertThrows(ModelCallException.class, () -> m.chat(List.of(Message.user("hi")), SamplingParams.greedy(8)));
            assertEquals(404, e.status());
            assertFalse(e.transientFailure());
        } finally {
            fake.close();
        }
        var always = FakeEndpoint.start(FakeEndpoint.Behaviour.of(Duration.ZERO, 4).withErrorRate(1), null);
        try (var m = pool(List.of(always), 4, FAST.withRetries(2).withHealth(100, Duration.ZERO))) {
            var e = assertThrows(ModelCallException.class, () -> m.chat(List.of(Message.user("hi")), SamplingParams.greedy(8)));
            assertTrue(e.transientFailure());
            assertTrue(e.getMessage().contains("3 attempts") && e.getMessage().contains("503"), e.getMessage());
            assertEquals(3, always.failed());
        } finally {
            always.close();
        }
    }

    @Test
    void aRequestsPerMinuteBudgetHoldsCallsBack() {
        var fake = FakeEndpoint.start(FakeEndpoint.Behaviour.of(Duration.ZERO, 64), null);
        // 1200/min = 20/s: the bucket starts with 1200, so call 1201..1210 wait about 0.5 s in all
        var spec = new EndpointSpec(fake.baseUrl(), 1, 64, 1200, 0);
        try (var m = new PooledChatModel("fake", new EndpointPool(List.of(spec), FAST, null))) {
            long t0 = System.nanoTime();
            callAll(m, 1210);
            double s = (System.nanoTime() - t0) / 1e9;
            assertTrue(s >= 0.4, "10 calls beyond the budget must wait ~0.5 s, took " + s);
        } finally {
            fake.close();
        }
    }

    @Test
    void aCallCostingMoreThanAMinutesTokensIsRefused() {
        var spec = new EndpointSpec(URI.create("http://127.0.0.1:9/v1"), 1, 4, 0, 100);
        try (var m = new PooledChatModel("fake", new EndpointPool(List.of(spec), FAST.withHealth(3, Duration.ZERO), null))) {
            var e = assertThrows(ModelCallException.class, () -> m.chat(List.of(Message.user("hi")), SamplingParams.greedy(1000)));
            assertTrue(e.getMessage().contains("tokens/minute"), e.getMessage());
        }
    }

    @Test
    void rateBudgetRefillsContinuouslyUpToOneMinute() {
        var b = new RateBudget(60, 0); // one a second
        assertTrue(b.has(60, 0));
        b.take(60, 0);
        assertFalse(b.has(1, 0));
        assertEquals(1_000_000_000L, b.nanosUntil(1, 0));
        assertTrue(b.has(1, 1_000_000_000L));
        b.refund(100, 2_000_000_000L);
        assertTrue(b.has(60, 2_000_000_000L));
        assertFalse(b.has(61, 2_000_000_000L));
        assertTrue(new RateBudget(0, 0).has(1e9, 0));
    }

    @Test
    void readsAPoolFileAndNamesTheFieldOfAMistake(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pool.yaml");
        Files.writeString(f, """
                model: Qwen/Qwen3-32B
                max_concurrency: 48
                eject_after: 2
                endpoints:
                  - url: http://a:8000/v1/
                    weight: 2
                  - http://b:8000/v1
                  - url: https://c.example.com/v1
                    max_concurrency: 16
                    requests_per_minute: 500
                    tokens_per_minute: 200000
                """);
        PoolSpec p = PoolSpec.read(f, 8, EndpointPool.Settings.defaults());
        assertEquals("Qwen/Qwen3-32B", p.model());
        assertEquals(new EndpointSpec(URI.create("http://a:8000/v1"), 2, 48, 0, 0), p.endpoints().get(0));
        assertEquals(48, p.endpoints().get(1).maxConcurrency());
        assertEquals(new EndpointSpec(URI.create("https://c.example.com/v1"), 1, 16, 500, 200000), p.endpoints().get(2));
        assertEquals(2, p.settings().ejectAfter());

        Files.writeString(f, "model: m\nendpoints:\n  - url: http://a/v1\n    wieght: 2\n");
        var e = assertThrows(IllegalArgumentException.class, () -> PoolSpec.read(f, 8, EndpointPool.Settings.defaults()));
        assertTrue(e.getMessage().contains("endpoints[0].wieght") && e.getMessage().contains(f.toString()), e.getMessage());
        Files.writeString(f, "model: m\nendpoints:\n  - url: http://a/v1\n    max_concurrency: 0\n");
        e = assertThrows(IllegalArgumentException.class, () -> PoolSpec.read(f, 8, EndpointPool.Settings.defaults()));
        assertTrue(e.getMessage().contains("endpoints[0].max_concurrency"), e.getMessage());
        Files.writeString(f, "endpoints: [http://a/v1]\n");
        e = assertThrows(IllegalArgumentException.class, () -> PoolSpec.read(f, 8, EndpointPool.Settings.defaults()));
        assertTrue(e.getMessage().contains("'model' is missing"), e.getMessage());
    }

    @Test
    void parsesInlinePoolsAndPoolFilesAsModelReferences(@TempDir Path dir) throws Exception {
        var ref = ModelRef.parse("http://a:8000/v1, http://b:8000/v1/#Qwen/Qwen3-32B");
        assertEquals(new ModelRef.Pool(List.of(URI.create("http://a:8000/v1"), URI.create("http://b:8000/v1")), "Qwen/Qwen3-32B", null), ref);
        assertEquals("http://a:8000/v1,http://b:8000/v1#Qwen/Qwen3-32B", ref.text());
        assertEquals(new ModelRef.Pool(List.of(), null, Path.of("conf/pool.yaml")), ModelRef.parse("conf/pool.yaml"));
        assertThrows(IllegalArgumentException.class, () -> ModelRef.parse("http://a:8000/v1,http://b:8000/v1"));
        assertThrows(IllegalArgumentException.class, () -> ModelRef.parse("http://a:8000/v1,,http://b:8000/v1#m"));
        assertThrows(IllegalArgumentException.class, () -> ModelRef.parse("http://a:8000/v1,http://a:8000/v1#m"));
        assertThrows(IllegalArgumentException.class, () -> ModelRef.parse("http://a:8000/v1#x,http://b:8000/v1#m"));

        var fakes = start(2, FakeEndpoint.Behaviour.of(Duration.ZERO, 8));
        try {
            Path f = dir.resolve("p.yml");
            Files.writeString(f, "model: fake\nendpoints:\n  - url: " + fakes.get(0).baseUrl() + "\n  - url: " + fakes.get(1).baseUrl() + "\n");
            var opts = ChatModels.OpenOptions.defaults().withNoCache().withEnv(java.util.Map.of());
            try (ChatModel m = new ChatModels.Registry().open(f.toString(), opts)) {
                assertInstanceOf(PooledChatModel.class, m);
                for (int i = 0; i < 10; i++) assertEquals(1, m.chat(List.of(Message.user("q" + i)), SamplingParams.greedy(8)).size());
            }
            assertEquals(10, fakes.get(0).served() + fakes.get(1).served());
        } finally {
            fakes.forEach(FakeEndpoint::close);
        }
    }
}
