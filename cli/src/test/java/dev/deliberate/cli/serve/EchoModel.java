package dev.deliberate.cli.serve;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic model for server tests. Sample {@code i} reasons "echo sample i" and answers
 * "you said: LAST_USER_MESSAGE [sample i, seed S]", cut at the first stop string (finish {@code stop}) or at
 * {@code max_tokens} words (finish {@code length}). Records the size of every batch it is given; each batch
 * costs {@code batchMillis}.
 */
final class EchoModel implements ChatModel {
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    private final long batchMillis;

    EchoModel(long batchMillis) {
        this.batchMillis = batchMillis;
    }

    @Override
    public String id() {
        return "test:echo";
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams params) {
        return chatBatch(List.of(new ChatRequest(messages, params))).getFirst();
    }

    @Override
    public List<List<Completion>> chatBatch(List<ChatRequest> requests) {
        batchSizes.add(requests.size());
        calls.incrementAndGet();
        if (batchMillis > 0) {
            try {
                Thread.sleep(batchMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        var out = new ArrayList<List<Completion>>();
        for (ChatRequest r : requests) out.add(answer(r.messages(), r.params()));
        return out;
    }

    static List<Completion> answer(List<Message> messages, SamplingParams p) {
        String last = messages.stream().filter(m -> m.role() == Message.Role.USER).reduce((a, b) -> b).map(Message::content).orElse("");
        int prompt = messages.stream().mapToInt(m -> words(m.content())).sum();
        var out = new ArrayList<Completion>();
        for (int i = 0; i < p.n(); i++) {
            String text = "you said: " + last + " [sample " + i + ", seed " + p.seed() + "]";
            String finish = "stop";
            int cut = text.length();
            for (String s : p.stop()) {
                int at = text.indexOf(s);
                if (at >= 0 && at < cut) cut = at;
            }
            text = text.substring(0, cut);
            String[] w = text.split(" ");
            if (w.length > p.maxTokens()) {
                text = String.join(" ", Arrays.copyOf(w, p.maxTokens()));
                finish = "length";
            }
            String reasoning = "echo sample " + i;
            out.add(new Completion(reasoning, text, finish, new Completion.Usage(prompt, words(text) + 3, 3)));
        }
        return out;
    }

    private static int words(String s) {
        return s.isBlank() ? 0 : s.strip().split("\\s+").length;
    }
}
