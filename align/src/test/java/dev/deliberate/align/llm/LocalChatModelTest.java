package dev.deliberate.align.llm;

import dev.deliberate.engine.io.TinyCheckpoint;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.tokenizer.Reasoning;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(120)
class LocalChatModelTest {
    @TempDir
    static Path tmp;
    static Path dir;
    static LocalChatModel model;

    static final List<Message> Q = List.of(Message.system("be brief"), Message.user("What is two plus two?"));

    @BeforeAll
    static void writeCheckpoint() throws Exception {
        dir = tmp.resolve("tiny");
        TinyCheckpoint.write(dir, 7);
        var reg = new ChatModels.Registry().registerLocal(new LocalModelLoader());
        model = (LocalChatModel) reg.open(dir.toString(), ChatModels.OpenOptions.defaults().withNoCache());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Greedy decoding the slow way: the whole sequence through the training forward for every new token. */
    static int[] greedyTwin(LocalCheckpoint c, int[] prompt, int maxTokens) {
        var m = c.model();
        int vocab = m.config().vocabSize();
        var seq = new ArrayList<Integer>();
        for (int t : prompt) seq.add(t);
        var out = new ArrayList<Integer>();
        for (int i = 0; i < maxTokens; i++) {
            int[] s = seq.stream().mapToInt(Integer::intValue).toArray();
            m.sequenceLogProbs(Batch.of(List.of(s)), null);
            float[] logits = m.logitsOfLastForward(false);
            int best = 0, row = (s.length - 1) * vocab;
            for (int v = 1; v < vocab; v++) if (logits[row + v] > logits[row + best]) best = v;
            out.add(best);
            seq.add(best);
            if (c.eosIds().contains(best)) break;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void greedyChatMatchesTheSlowTwinWithRealTokenCounts() {
        var c = model.checkpoint();
        int[] prompt = c.render(Q, true).tokens();
        int[] want = greedyTwin(c, prompt, 24);
        var got = model.chat(Q, SamplingParams.greedy(24));
        assertEquals(1, got.size());
        var g = got.getFirst();
        boolean eos = c.eosIds().contains(want[want.length - 1]);
        int[] text = eos ? Arrays.copyOf(want, want.length - 1) : want;
        var expect = Completion.fromText(c.tokenizer().decode(text, true), eos ? "stop" : "length", null);
        assertEquals(expect.reasoning(), g.reasoning());
        assertEquals(expect.answer(), g.answer());
        assertEquals(expect.finishReason(), g.finishReason());
        assertEquals(prompt.length, g.usage().promptTokens());
        assertEquals(want.length, g.usage().completionTokens());
        assertTrue(g.usage().reasoningTokens() >= 0);
        assertFalse(g.text().isEmpty());
    }

    /**
     * Continuous batching over the engine: 12 callers on 6 threads, prompts and lengths of every size (so slots free
     * and refill between steps), two-sample requests, a prompt too long for the context: each caller gets exactly
     * what it would get alone, and the bad request fails alone.
     */
    @Test
    void concurrentCallersThroughTheBatchingModelGetWhatEachGetsAlone() throws Exception {
        var batching = new BatchingChatModel(model, 4);
        var calls = new ArrayList<java.util.concurrent.Callable<List<Completion>>>();
        var alone = new ArrayList<List<Completion>>();
        for (int i = 0; i < 12; i++) {
            var msgs = List.of(Message.user("Question " + i + ": " + "what is two plus two? ".repeat(1 + i % 4)));
            var p = i % 5 == 0 ? new SamplingParams(1.0, 0.95, 6 + i, 2, List.of(), 40L + i) : SamplingParams.greedy(4 + 3 * i).withSeed(1L);
            alone.add(model.chat(msgs, p));
            calls.add(() -> batching.chat(msgs, p));
        }
        var tooLong = List.of(Message.user("x ".repeat(model.checkpoint().model().config().maxPositionEmbeddings() + 8)));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            var futures = pool.invokeAll(calls);
            var bad = pool.submit(() -> batching.chat(tooLong, SamplingParams.greedy(4)));
            for (int i = 0; i < calls.size(); i++) assertEquals(alone.get(i), futures.get(i).get(), "caller " + i);
            var e = assertThrows(java.util.concurrent.ExecutionException.class, bad::get);
            assertInstanceOf(RuntimeException.class, e.getCause());
        } finally {
            pool.shutdownNow();
        }
        long[] counts = batching.counts();
        assertEquals(13, counts[1], "every request went through the shared session");
        assertTrue(counts[0] < alone.stream().mapToLong(c -> c.stream().mapToLong(x -> x.usage().completionTokens()).sum()).sum(),
                "samples shared decode steps: " + java.util.Arrays.toString(counts));
    }

    @Test
    void seededSamplesDifferFromEachOtherAndRepeat() {
        var p = new SamplingParams(1.0, 0.95, 16, 3, List.of(), 42L);
        var a = model.chat(Q, p);
        var b = model.chat(Q, p);
        assertEquals(3, a.size());
        assertEquals(a, b);
        assertEquals(3, new HashSet<>(a.stream().map(Completion::text).toList()).size(), a.toString());
        assertNotEquals(a, model.chat(Q, p.withSeed(43L)));
        // sample i uses seed + i: the second sample of seed 42 is the first of seed 43
        assertEquals(a.get(1), model.chat(Q, p.withN(1).withSeed(43L)).getFirst());
    }

    @Test
    void stopStringsEndTheTextBeforeThem() {
        var p = new SamplingParams(1.0, 1, 40, 1, List.of(), 5L);
        var full = streamedRaw(p);
        assertTrue(full.length() > 12, full);
        String stop = full.substring(8, 11);
        String before = full.substring(0, full.indexOf(stop));
        var got = model.chat(Q, p.withStop(List.of(stop, "never-appears-" + stop))).getFirst();
        var expect = Completion.fromText(before, "stop", null);
        assertEquals(expect.reasoning(), got.reasoning());
        assertEquals(expect.answer(), got.answer());
        assertEquals(FinishReason.STOP, got.finishReason());
        assertTrue(got.usage().completionTokens() < 40);
    }

    /** The raw text of one completion, from its stream. */
    static String streamedRaw(SamplingParams p) {
        var sb = new StringBuilder();
        try (var s = model.open(1)) {
            s.admit(Q, p, 0);
            Completion done = null;
            while (done == null)
                for (var step : s.step()) {
                    sb.append(step.text());
                    done = step.finished();
                }
        }
        return sb.toString();
    }

    @Test
    void streamingDeltasAddUpToTheCompletionAndBatchesMatchSingleCalls() {
        var p = new SamplingParams(0.8, 1, 20, 2, List.of(), 11L);
        var reasoning = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
        var answer = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
        var got = model.chatStreaming(Q, p, d -> {
            reasoning[d.index()].append(d.reasoning());
            answer[d.index()].append(d.answer());
        });
        assertEquals(model.chat(Q, p), got);
        for (int i = 0; i < 2; i++) {
            assertFalse(got.get(i).text().contains(Reasoning.CLOSE), "seed chosen so the output has no stray tags");
            assertEquals(got.get(i).answer(), answer[i].toString());
            assertEquals(got.get(i).reasoning(), reasoning[i].toString());
        }
        var q2 = List.of(Message.user("Write a short poem about the sea."));
        var p2 = SamplingParams.greedy(12);
        var batch = model.chatBatch(List.of(new ChatRequest(Q, p), new ChatRequest(q2, p2)));
        assertEquals(List.of(got, model.chat(q2, p2)), batch);
    }

    @Test
    void concurrentCallersGetWhatTheyWouldAlone() throws Exception {
        var prompts = List.of("What is two plus two?", "Explain a transformer.", "How do I kill a stuck process?", "Hello");
        var p = new SamplingParams(0.7, 0.9, 12, 1, List.of(), 3L);
        var alone = new ArrayList<Completion>();
        for (String q : prompts) alone.add(model.chat(List.of(Message.user(q)), p).getFirst());
        try (var pool = Executors.newFixedThreadPool(4)) {
            var fs = new ArrayList<Future<Completion>>();
            for (String q : prompts) fs.add(pool.submit(() -> model.chat(List.of(Message.user(q)), p).getFirst()));
            for (int i = 0; i < prompts.size(); i++) assertEquals(alone.get(i), fs.get(i).get());
        }
    }

    @Test
    void aTemplateThatOpensThinkInThePromptYieldsReasoning() throws Exception {
        Path thinking = tmp.resolve("thinking");
        TinyCheckpoint.write(thinking, 7);
        Files.writeString(thinking.resolve("chat_template.jinja"),
                "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                        + "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}");
        try (var m = LocalChatModel.open(thinking)) {
            var c = m.chat(Q, SamplingParams.greedy(10)).getFirst();
            var plain = model.chat(Q, SamplingParams.greedy(10)).getFirst();
            assertEquals("", c.answer());
            assertFalse(c.reasoning().isEmpty());
            assertEquals(c.usage().completionTokens(), c.usage().reasoningTokens(), "an unclosed think block is all reasoning");
            assertEquals(0, plain.usage().reasoningTokens());
            assertEquals("<think>\n", m.checkpoint().render(Q, true).thinkPrefix());
            var first = new StringBuilder();
            try (var s = m.open(1)) {
                s.admit(Q, SamplingParams.greedy(3), 0);
                while (first.isEmpty()) for (var step : s.step()) first.append(step.text());
            }
            assertTrue(first.toString().startsWith("<think>\n"), first.toString());
        }
    }

    @Test
    void aCheckpointWithoutTokenizerCannotChatAndSaysWhatIsMissing() {
        String shared = System.getProperty("deliberate.testdata");
        assertNotNull(shared, "system property deliberate.testdata is not set; run the tests through ./mvnw");
        Path ref = Path.of(shared, "checkpoints", "llama-gqa");
        assertTrue(Files.isRegularFile(ref.resolve("config.json")), "reference checkpoint missing at " + ref);
        var reg = new ChatModels.Registry().registerLocal(new LocalModelLoader());
        var e = assertThrows(IllegalArgumentException.class, () -> reg.open(ref.toString(), ChatModels.OpenOptions.defaults().withNoCache()));
        assertTrue(e.getMessage().contains("no tokenizer.json") && e.getMessage().contains("llama-gqa"), e.getMessage());
        var tooLong = List.of(Message.user("word ".repeat(5000)));
        var e2 = assertThrows(IllegalArgumentException.class, () -> model.chat(tooLong, SamplingParams.greedy(4)));
        assertTrue(e2.getMessage().contains("serves at most"), e2.getMessage());
    }
}
