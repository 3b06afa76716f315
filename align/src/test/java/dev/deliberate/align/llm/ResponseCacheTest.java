package dev.deliberate.align.llm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(120)
class ResponseCacheTest {
    @TempDir
    Path tmp;

    static final List<Message> Q = List.of(Message.user("what is 2+2?"));

    @Test
    void keysCoverModelMessagesAndParametersButNotN() {
        var p = new SamplingParams(0.7, 0.9, 64, 1, List.of("x"), 5L);
        String k = ResponseCache.key("m", Q, p);
        assertEquals(k, ResponseCache.key("m", Q, p.withN(9)));
        for (String other : List.of(ResponseCache.key("m2", Q, p), ResponseCache.key("m", List.of(Message.user("what is 2+3?")), p),
                ResponseCache.key("m", List.of(Message.system("what is 2+2?")), p), ResponseCache.key("m", Q, p.withTemperature(0.8)),
                ResponseCache.key("m", Q, p.withMaxTokens(65)), ResponseCache.key("m", Q, p.withStop(List.of())),
                ResponseCache.key("m", Q, p.withSeed(null)), ResponseCache.key("m", Q, new SamplingParams(0.7, 1, 64, 1, List.of("x"), 5L))))
            assertNotEquals(k, other);
    }

    @Test
    void aRerunCostsNoCallsAndGivesTheSameData() {
        var model = new CountingModel();
        var p = new SamplingParams(1.0, 1, 32, 3, List.of(), null);
        List<Completion> first, second;
        try (var m = new CachedChatModel(model, ResponseCache.open(tmp.resolve("c.sqlite")), true)) {
            first = m.chat(Q, p);
            assertEquals(new CachedChatModel.Stats(0, 3), m.stats());
        }
        try (var m = new CachedChatModel(model, ResponseCache.open(tmp.resolve("c.sqlite")), true)) {
            second = m.chat(Q, p);
            assertEquals(new CachedChatModel.Stats(3, 0), m.stats());
        }
        assertEquals(first, second);
        assertEquals(List.of("draw 0", "draw 1", "draw 2"), second.stream().map(Completion::answer).toList());
        assertEquals(List.of(3), model.askedN, "the rerun made no call");
    }

    @Test
    void moreSamplesReuseTheFirstOnes() {
        var model = new CountingModel();
        try (var m = new CachedChatModel(model, ResponseCache.open(tmp.resolve("c.sqlite")), true)) {
            var p = new SamplingParams(1.0, 1, 32, 2, List.of(), null);
            var two = m.chat(Q, p);
            var five = m.chat(Q, p.withN(5));
            assertEquals(two, five.subList(0, 2));
            assertEquals(List.of("draw 0", "draw 1", "draw 2", "draw 3", "draw 4"), five.stream().map(Completion::answer).toList());
            assertEquals(List.of(2, 3), model.askedN, "unseeded: only the 3 missing samples are drawn");

            // seeded: sample i must be what an uncached n=4 run gives, so the whole request is made again
            var s = p.withSeed(9L);
            m.chat(Q, s);
            var four = m.chat(Q, s.withN(4));
            assertEquals(new CountingModel().chat(Q, s.withN(4)), four);
            assertEquals(List.of(2, 3, 2, 4), model.askedN);
        }
    }

    @Test
    void batchesAndStreamsGoThroughTheCache() {
        var model = new CountingModel();
        try (var m = new CachedChatModel(model, ResponseCache.open(tmp.resolve("c.sqlite")), true)) {
            var p = SamplingParams.greedy(16);
            m.chat(List.of(Message.user("a")), p);
            var batch = m.chatBatch(List.of(new ChatRequest(List.of(Message.user("a")), p), new ChatRequest(List.of(Message.user("b")), p.withN(2))));
            assertEquals("draw 0", batch.get(0).getFirst().answer());
            assertEquals(List.of("draw 1", "draw 2"), batch.get(1).stream().map(Completion::answer).toList());
            var streamed = new StringBuilder();
            var out = m.chatStreaming(List.of(Message.user("b")), p.withN(3), d -> {
                if (!d.answer().isEmpty()) streamed.append(d.index()).append(':').append(d.answer()).append(';');
            });
            assertEquals(List.of("draw 1", "draw 2", "draw 3"), out.stream().map(Completion::answer).toList());
            assertEquals("0:draw 1;1:draw 2;2:draw 3;", streamed.toString());
            assertEquals(List.of(1, 2, 1), model.askedN);
            assertEquals(new CachedChatModel.Stats(3, 4), m.stats());
        }
    }

    @Test
    void concurrentThreadsAndAProcessLeaveOneRowPerSample() throws Exception {
        Path file = tmp.resolve("shared.sqlite");
        int keys = 150;
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        var other = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                CacheWriterMain.class.getName(), file.toString(), "process", String.valueOf(keys))
                .redirectErrorStream(true).start();
        var seen = new ArrayList<Map<String, String>>();
        try (var pool = Executors.newFixedThreadPool(4)) {
            var futures = new ArrayList<Future<Map<String, String>>>();
            for (int t = 0; t < 4; t++) {
                String writer = "thread" + t;
                futures.add(pool.submit(() -> {
                    var mine = new HashMap<String, String>();
                    try (var cache = ResponseCache.open(file)) { // a connection per thread, as separate pipelines would have
                        for (int k = 0; k < keys; k++) mine.put("k" + k, cache.putIfAbsent("k" + k, 0, "test", new Completion("", writer, "stop", null)).answer());
                    }
                    return mine;
                }));
            }
            for (var f : futures) seen.add(f.get());
        }
        String out = new String(other.getInputStream().readAllBytes());
        assertTrue(other.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, other.exitValue(), out);
        var fromProcess = new HashMap<String, String>();
        out.lines().filter(l -> l.startsWith("k")).forEach(l -> fromProcess.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        assertEquals(keys, fromProcess.size(), out);
        seen.add(fromProcess);
        try (var cache = ResponseCache.open(file)) {
            assertEquals(keys, cache.size(), "one row per sample, whoever raced");
            for (int k = 0; k < keys; k++) {
                String stored = cache.get("k" + k, 1).get(0).answer();
                for (var writer : seen) assertEquals(stored, writer.get("k" + k), "every writer got the stored sample for k" + k);
            }
        }
    }
}
