package dev.deliberate.align.eval.analysis;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.training.SpecWorldCorpus.DecodingTask;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Learnability of the held-out attacks: can a model decode their encodings (rot13, word reversal, Pig Latin) on
 * sentences it never practised? Greedy answers, exact match against the decoded sentence, per family. A student that
 * cannot decode a held-out attack cannot be harmed by it either, so its ASR there measures nothing.
 */
public final class DecodingCheck {
    private DecodingCheck() {}

    /** @param examples the first few tasks with the model's answers, for the report */
    public record Result(double exact, int n, Map<String, Family> byFamily, List<Example> examples) {}

    public record Family(double exact, int n) {}

    public record Example(String family, String prompt, String gold, String answer, boolean exact) {}

    /** Asks {@code model} every task, {@code threads} at once (a batching model decodes them together). */
    public static Result run(ChatModel model, List<DecodingTask> tasks, long seed, int threads) throws InterruptedException {
        var pool = Executors.newFixedThreadPool(Math.max(1, threads));
        var answers = new ArrayList<String>(tasks.size());
        try {
            var futures = new ArrayList<Future<String>>();
            for (var t : tasks)
                futures.add(pool.submit(() -> model.chat(List.of(Message.user(t.prompt())), SamplingParams.greedy(96).withSeed(seed)).getFirst().answer().strip()));
            for (var f : futures) answers.add(f.get());
        } catch (ExecutionException e) {
            throw new IllegalStateException("decoding check failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        var counts = new LinkedHashMap<String, int[]>();
        var examples = new ArrayList<Example>();
        int ok = 0;
        for (int i = 0; i < tasks.size(); i++) {
            var t = tasks.get(i);
            boolean exact = answers.get(i).equals(t.gold());
            int[] c = counts.computeIfAbsent(t.family(), k -> new int[2]);
            c[0] += exact ? 1 : 0;
            c[1]++;
            ok += exact ? 1 : 0;
            if (examples.size() < 12) examples.add(new Example(t.family(), t.prompt(), t.gold(), answers.get(i), exact));
        }
        var byFamily = new LinkedHashMap<String, Family>();
        counts.forEach((f, c) -> byFamily.put(f, new Family((double) c[0] / c[1], c[1])));
        return new Result(tasks.isEmpty() ? 0 : (double) ok / tasks.size(), tasks.size(), byFamily, examples);
    }
}
