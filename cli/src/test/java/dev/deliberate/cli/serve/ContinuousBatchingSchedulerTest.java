package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.OpenAiChatModel;
import dev.deliberate.align.llm.SamplingParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class ContinuousBatchingSchedulerTest {

    static ChatRequest ask(String text, SamplingParams p) {
        return new ChatRequest(List.of(Message.user(text)), p);
    }

    @Test
    void aShortRequestOvertakesALongOneAlreadyDecoding() throws Exception {
        var model = new StepwiseEchoModel(2);
        try (var s = new ContinuousBatchingScheduler(model, 8, 4)) {
            var p = SamplingParams.greedy(1000);
            var longOne = s.submit(ask("x".repeat(600), p), null);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (model.steps.get() < 5 && System.nanoTime() < deadline) Thread.sleep(1);
            var shortOne = s.submit(ask("hi", p), null);
            assertEquals(EchoModel.answer(List.of(Message.user("hi")), p), shortOne.get(20, TimeUnit.SECONDS));
            assertFalse(longOne.isDone(), "the short request joined between steps and finished first");
            assertEquals(EchoModel.answer(List.of(Message.user("x".repeat(600))), p), longOne.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void samplesSpreadOverTheSlotsAndNeverExceedThem() throws Exception {
        var model = new StepwiseEchoModel(0);
        try (var s = new ContinuousBatchingScheduler(model, 8, 2)) {
            var p = new SamplingParams(1, 1, 40, 5, List.of(" seed"), 9L);
            var a = s.submit(ask("first", p), null);
            var b = s.submit(ask("second", p.withN(1)), null);
            assertEquals(EchoModel.answer(List.of(Message.user("first")), p), a.get(20, TimeUnit.SECONDS));
            assertEquals(EchoModel.answer(List.of(Message.user("second")), p.withN(1)), b.get(20, TimeUnit.SECONDS));
            assertEquals(2, model.peakActive.get());
        }
    }

    @Test
    void aFailingStepFailsItsRequestsAndServingGoesOn() throws Exception {
        try (var s = new ContinuousBatchingScheduler(new StepwiseEchoModel(0), 8, 4)) {
            var bad = s.submit(ask("boom", SamplingParams.greedy(20)), null);
            var e = assertThrows(ExecutionException.class, () -> bad.get(20, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("decode blew up"), e.getCause().toString());
            assertEquals("you said: fine [sample 0, seed null]", s.submit(ask("fine", SamplingParams.greedy(20)), null).get(20, TimeUnit.SECONDS).getFirst().answer());
        }
    }

    @Test
    void aFullQueueIsRefused() {
        var model = new StepwiseEchoModel(50);
        try (var s = new ContinuousBatchingScheduler(model, 1, 1)) {
            var p = SamplingParams.greedy(1000);
            long deadline = System.nanoTime() + 10_000_000_000L;
            s.submit(ask("x".repeat(200), p), null);
            while (model.steps.get() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            s.submit(ask("waits", p), null);
            assertThrows(Scheduler.QueueFull.class, () -> s.submit(ask("refused", p), null));
            s.close(java.time.Duration.ZERO);
        }
    }

    @Test
    void streamsStepByStepOverHttp() throws Exception {
        try (var server = new OpenAiServer("echo", new ContinuousBatchingScheduler(new StepwiseEchoModel(1), 8, 4), OpenAiServer.Options.loopback(0));
             var client = new OpenAiChatModel(OpenAiChatModel.Options.of(server.baseUrl(), "echo").withMaxRetries(0))) {
            var p = new SamplingParams(1, 1, 40, 2, List.of(), 4L);
            var deltas = new AtomicInteger();
            var answers = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
            var reasoning = new StringBuilder[]{new StringBuilder(), new StringBuilder()};
            List<Completion> got = client.chatStreaming(List.of(Message.user("stream me")), p, d -> {
                deltas.incrementAndGet();
                answers[d.index()].append(d.answer());
                reasoning[d.index()].append(d.reasoning());
            });
            var want = EchoModel.answer(List.of(Message.user("stream me")), p);
            for (int i = 0; i < 2; i++) {
                assertEquals(want.get(i).answer(), got.get(i).answer());
                assertEquals(want.get(i).answer(), answers[i].toString());
                assertEquals(want.get(i).reasoning(), reasoning[i].toString());
            }
            assertTrue(deltas.get() > 10, "text arrives a few characters per step, got " + deltas.get() + " deltas");
        }
    }
}
