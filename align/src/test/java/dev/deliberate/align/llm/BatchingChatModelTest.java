package dev.deliberate.align.llm;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class BatchingChatModelTest {

    /** Echoes each request's message; the first single {@code chat} waits for {@code release}; records batch sizes. */
    static final class Echo implements ChatModel {
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);

        public String id() {
            return "echo";
        }

        public List<Completion> chat(List<Message> messages, SamplingParams p) {
            String m = messages.getLast().content();
            if (m.contains("bad")) throw new PromptTooLongException("too long: " + m);
            if (entered.getCount() > 0) {
                entered.countDown();
                try {
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }
            batchSizes.add(1);
            return List.of(new Completion("", "re: " + m, "stop", null));
        }

        public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
            if (requests.stream().anyMatch(r -> r.messages().getLast().content().contains("bad")))
                throw new PromptTooLongException("one prompt of the batch is too long");
            batchSizes.add(requests.size());
            return requests.stream().map(r -> List.of(new Completion("", "re: " + r.messages().getLast().content(), "stop", null))).toList();
        }
    }

    static List<Message> user(String s) {
        return List.of(Message.user(s));
    }

    /** Starts {@code first} alone (it blocks inside the model), queues {@code rest} behind it, then releases it. */
    static List<Future<String>> gather(BatchingChatModel b, Echo echo, ExecutorService pool, String first, List<String> rest) throws Exception {
        var out = new ArrayList<Future<String>>();
        out.add(pool.submit(() -> b.chat(user(first), SamplingParams.greedy(8)).getFirst().answer()));
        assertTrue(echo.entered.await(10, TimeUnit.SECONDS));
        for (String r : rest) out.add(pool.submit(() -> b.chat(user(r), SamplingParams.greedy(8)).getFirst().answer()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (b.queued() < rest.size() && System.nanoTime() < deadline) Thread.sleep(1);
        assertEquals(rest.size(), b.queued());
        echo.release.countDown();
        return out;
    }

    @Test
    void concurrentCallsAreAnsweredInBatchesOfAtMostMaxBatch() throws Exception {
        var echo = new Echo();
        var b = new BatchingChatModel(echo, 4);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            var rest = new ArrayList<String>();
            for (int i = 1; i < 8; i++) rest.add("q" + i);
            var results = gather(b, echo, pool, "q0", rest);
            for (int i = 0; i < 8; i++) assertEquals("re: q" + i, results.get(i).get(10, TimeUnit.SECONDS), "each caller gets its own answer");
        }
        assertEquals(List.of(1, 4, 3), echo.batchSizes, "the first call alone, then the 7 that queued behind it, 4 at most at a time");
        assertArrayEquals(new long[] {3, 8}, b.counts());
    }

    @Test
    void aFailedBatchFallsBackToOneRequestAtATime() throws Exception {
        var echo = new Echo();
        var b = new BatchingChatModel(echo, 8);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            var results = gather(b, echo, pool, "q0", List.of("q1", "bad", "q3"));
            assertEquals("re: q0", results.get(0).get(10, TimeUnit.SECONDS));
            assertEquals("re: q1", results.get(1).get(10, TimeUnit.SECONDS));
            var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> results.get(2).get(10, TimeUnit.SECONDS));
            assertInstanceOf(PromptTooLongException.class, e.getCause(), "only the bad request fails, with its own error");
            assertEquals("re: q3", results.get(3).get(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of(1, 1, 1), echo.batchSizes, "the batch of three failed; q1 and q3 were answered alone");
        assertThrows(IllegalArgumentException.class, () -> new BatchingChatModel(echo, 0));
    }

    /** Decorators hand raw text, reasoning prefixes and the model's own branching to the model they wrap. */
    @Test
    void decoratorsForwardTheOptionalCapabilities(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        var brancher = new ReasoningBrancher() {
            public int steps() { return 2; }
            public java.util.Optional<Branches> branch(int step, boolean late, long seed) { return java.util.Optional.empty(); }
            public String method() { return "own"; }
        };
        ChatModel inner = new ChatModel() {
            public String id() { return "inner"; }
            public List<Completion> chat(List<Message> m, SamplingParams p) { return List.of(new Completion("", "chat", "stop", null)); }
            public boolean completesText() { return true; }
            public List<Completion> complete(String prompt, SamplingParams p) { return List.of(new Completion("", prompt + "!", "stop", null)); }
            public boolean continuesReasoning() { return true; }
            public List<Completion> continueReasoning(List<Message> m, String prefix, SamplingParams p) { return List.of(new Completion(prefix + " on", "a", "stop", null)); }
            public java.util.Optional<ReasoningBrancher> reasoningBrancher(List<Message> prompt, long seed) { return java.util.Optional.of(brancher); }
        };
        var q = List.of(Message.user("q"));
        for (ChatModel m : List.of(new BatchingChatModel(inner, 4), new CachedChatModel(inner, ResponseCache.open(tmp.resolve("c.sqlite")), true))) {
            assertTrue(m.completesText() && m.continuesReasoning(), m.toString());
            assertEquals("x!", m.complete("x", SamplingParams.greedy(4)).getFirst().answer());
            assertEquals("p on", m.continueReasoning(q, "p", SamplingParams.greedy(4)).getFirst().reasoning());
            assertSame(brancher, m.reasoningBrancher(q, 1).orElseThrow());
            m.close();
        }
    }
}
