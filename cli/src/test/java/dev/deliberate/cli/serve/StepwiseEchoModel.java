package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.llm.StepwiseChatModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link EchoModel} decoded step by step: each step hands out the next few characters of the completion's full
 * text ({@code <think>…</think>} included) and costs {@code stepMillis}. A message "boom" makes its step fail.
 */
final class StepwiseEchoModel implements StepwiseChatModel {
    static final int CHARS_PER_STEP = 4;
    final AtomicInteger peakActive = new AtomicInteger();
    final AtomicInteger steps = new AtomicInteger();
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger activeNow = new AtomicInteger();
    private final long stepMillis;

    StepwiseEchoModel(long stepMillis) {
        this.stepMillis = stepMillis;
    }

    public String id() {
        return "test:stepwise-echo";
    }

    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        return EchoModel.answer(messages, params);
    }

    private record Seq(Completion whole, String text, int[] at, boolean boom) {}

    public DecodeSession open(int slots) {
        return new DecodeSession() {
            final LinkedHashMap<Long, Seq> active = new LinkedHashMap<>();
            long next;

            public int free() {
                return slots - active.size();
            }

            public long admit(List<Message> messages, SamplingParams params, int sample) {
                if (free() == 0) throw new IllegalStateException("no free slot");
                Completion c = EchoModel.answer(messages, params).get(sample);
                boolean boom = messages.getLast().content().equals("boom");
                active.put(next, new Seq(c, c.text(), new int[1], boom));
                peakActive.accumulateAndGet(active.size(), Math::max);
                activeNow.set(active.size());
                return next++;
            }

            public List<Step> step() {
                steps.incrementAndGet();
                try {
                    Thread.sleep(stepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (active.values().stream().anyMatch(Seq::boom)) {
                    active.clear();
                    throw new IllegalStateException("decode blew up");
                }
                var out = new ArrayList<Step>();
                for (var it = active.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    Seq s = e.getValue();
                    int from = s.at()[0], to = Math.min(s.text().length(), from + CHARS_PER_STEP);
                    s.at()[0] = to;
                    boolean done = to == s.text().length();
                    out.add(new Step(e.getKey(), s.text().substring(from, to), done ? s.whole() : null));
                    if (done) it.remove();
                }
                activeNow.set(active.size());
                return out;
            }

            public void cancel(long sequence) {
                if (active.remove(sequence) != null) cancelled.incrementAndGet();
                activeNow.set(active.size());
            }

            public void close() {
                active.clear();
            }
        };
    }
}
