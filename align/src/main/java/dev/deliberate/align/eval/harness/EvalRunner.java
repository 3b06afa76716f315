package dev.deliberate.align.eval.harness;

import dev.deliberate.align.eval.analysis.Embedder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.io.JsonlAppender;
import dev.deliberate.align.deliberative.SpecAugmentedPrompt;
import dev.deliberate.align.eval.bench.BenchmarkItem;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The evaluation harness: every benchmark item under every selected attack, {@code samples} completions each,
 * decoded, judged and appended to {@code results.jsonl} one line per sample as soon as it is judged; then the
 * metrics of all planned samples go to {@code metrics.json} (and the embedding map to {@code embedding.json} when an
 * {@link Embedder} is given). A rerun into the same folder skips the samples already there, so a killed run resumes
 * where it stopped; generations and judge calls also hit the model's response cache.
 */
public final class EvalRunner {

    public static final String RESULTS = "results.jsonl", METRICS = "metrics.json", EMBEDDING = "embedding.json", CONFIG = "config.json";

    /** Progress of a run: how many (item, attack) cells there are, how many were done before, and each one finished. */
    public interface Listener {
        Listener NONE = new Listener() {};

        default void planned(int cells, int alreadyDone) {}

        default void cellDone() {}
    }

    private EvalRunner() {}

    /** {@link #run(EvalConfig, ChatModel, EvalJudges, Path, Embedder, Listener)} without an embedding map or progress. */
    public static EvalMetrics run(EvalConfig config, ChatModel model, EvalJudges judges, Path outDir) {
        return run(config, model, judges, outDir, null, Listener.NONE);
    }

    /**
     * Runs the evaluation into {@code outDir} and returns its metrics (also written to {@code metrics.json}).
     *
     * @param embedder when not null, the SpecWorld prompts' representations are mapped into {@code embedding.json}
     */
    public static EvalMetrics run(EvalConfig config, ChatModel model, EvalJudges judges, Path outDir, Embedder embedder, Listener listener) {
        return run(config, model, judges, outDir, embedder, listener, null);
    }

    /**
     * {@link #run(EvalConfig, ChatModel, EvalJudges, Path, Embedder, Listener)} with the cells worked on by
     * {@code engine} (null = {@link EvalConfig#threads} threads here); results are appended here either way.
     */
    public static EvalMetrics run(EvalConfig config, ChatModel model, EvalJudges judges, Path outDir, Embedder embedder, Listener listener,
                                  EvalEngine engine) {
        var scorer = new EvalScorer(judges);
        config.benchmarks().forEach(scorer::check);
        List<EvalCase> cases = plan(config);
        if (cases.isEmpty()) throw new IllegalArgumentException("nothing to run: --attacks '" + config.attacks()
                + "' selects no prompt (educational and general prompts run only with 'none'; harmful and look-alike ones under each attack)");
        Path resultsFile = outDir.resolve(RESULTS);
        if (!Files.exists(outDir.resolve(CONFIG))) AtomicFiles.writeString(outDir.resolve(CONFIG), pretty(snapshot(config, model.id(), judges)));
        var planned = new HashSet<String>();
        try (var out = JsonlAppender.open(resultsFile, "/key")) {
            var todo = new ArrayList<EvalCase>();
            for (EvalCase c : cases) {
                boolean done = true;
                for (int s = 0; s < config.samples(); s++) {
                    planned.add(c.key(s));
                    done &= out.contains(c.key(s));
                }
                if (!done) todo.add(c);
            }
            listener.planned(cases.size(), cases.size() - todo.size());
            var work = cellWork(config, model, scorer, out::contains);
            if (engine == null) runCells(todo, config.threads(), c -> {
                commit(out, work.apply(c));
                listener.cellDone();
            });
            else engine.run(todo, work, (c, got) -> {
                commit(out, got);
                listener.cellDone();
            });
        }
        List<EvalResult> results = Jsonl.read(resultsFile, EvalResult.class).stream()
                .filter(r -> planned.contains(r.key()))
                .sorted(Comparator.comparing(EvalResult::key))
                .toList();
        var metrics = EvalMetrics.compute(label(config, model), model.id(), config.benchmarks(), results, config.bootstrap());
        AtomicFiles.writeString(outDir.resolve(METRICS), metrics.toJson());
        if (embedder != null) {
            var map = EmbeddingMap.of(cases, embedder, config.seed());
            if (map != null) AtomicFiles.writeString(outDir.resolve(EMBEDDING), map.toJson());
        }
        return metrics;
    }

    /**
     * What one cell yields: its samples, decoded and judged, one result each; samples whose keys are {@code done}
     * are left out (not judged again).
     */
    public static java.util.function.Function<EvalCase, List<EvalResult>> cellWork(EvalConfig config, ChatModel model, EvalJudges judges,
                                                                                 java.util.function.Predicate<String> done) {
        return cellWork(config, model, new EvalScorer(judges), done);
    }

    private static java.util.function.Function<EvalCase, List<EvalResult>> cellWork(EvalConfig config, ChatModel model, EvalScorer scorer,
                                                                                  java.util.function.Predicate<String> done) {
        var params = new SamplingParams(config.temperature(), 1, config.maxTokens(), config.samples(), List.of(), config.seed());
        return c -> {
            List<Completion> got = model.chat(c.messages(), params);
            if (got.size() != config.samples())
                throw new IllegalStateException(model.id() + " returned " + got.size() + " completions for n=" + config.samples());
            var results = new ArrayList<EvalResult>(got.size());
            for (int s = 0; s < got.size(); s++) if (!done.test(c.key(s))) results.add(result(c, s, got.get(s), model.id(), scorer));
            return results;
        };
    }

    private static void commit(JsonlAppender out, List<EvalResult> results) {
        for (EvalResult r : results) if (!out.contains(r.key())) out.append(r);
    }

    /**
     * The run's resolved configuration as {@code config.json} holds it (docs/runs.md); the command line adds its
     * flags' spellings and the version. Written by {@link #run} when the folder has none yet.
     */
    public static ObjectNode snapshot(EvalConfig c, String modelRef, EvalJudges judges) {
        ObjectNode s = Jsonl.MAPPER.createObjectNode();
        s.put("command", "eval").put("started", Instant.now().toString());
        if (c.label() != null) s.put("label", c.label());
        s.put("model", modelRef);
        var b = s.putArray("bench");
        c.benchmarks().forEach(x -> b.add(x.name()));
        s.put("attacks", c.attacks()).put("judges", judges.describe());
        s.put("samples", c.samples()).put("temperature", c.temperature()).put("max_tokens", c.maxTokens())
                .put("seed", c.seed()).put("threads", c.threads()).put("spec_in_context", c.specContext().wire())
                .put("bootstrap", c.bootstrap().resamples());
        return s;
    }

    public static String pretty(JsonNode n) {
        try {
            return Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String label(EvalConfig config, ChatModel model) {
        return config.label() == null || config.label().isBlank() ? model.id() : config.label();
    }

    /** Every (item, attack) cell, benchmarks in order, items in file order, the plain prompt before its attacked copies. */
    public static List<EvalCase> plan(EvalConfig config) {
        List<Attacks.Draw> draws = Attacks.draws(Attacks.builtin(), config.attacks());
        boolean plain = Arrays.stream(config.attacks().split(",")).map(s -> s.strip().toLowerCase(Locale.ROOT))
                .anyMatch(s -> s.equals("none") || s.equals("all"));
        var out = new ArrayList<EvalCase>();
        for (EvalBenchmark b : config.benchmarks()) {
            switch (b) {
                case EvalBenchmark.World w -> {
                    for (LabelledPrompt p : w.prompts()) {
                        // harmful prompts under attack give ASR; look-alikes under attack give over-refusal of wrapped benign
                        // requests, so that refusing everything wrapped does not pass for robustness
                        boolean attacked = p.intent() == Intent.HARMFUL_OPERATIONAL || p.intent() == Intent.BENIGN_LOOKALIKE;
                        if (plain) out.add(worldCase(w, p, null, config));
                        if (attacked) for (Attack a : Attacks.forItem(draws, attackSeed(config, p.id())))
                            out.add(worldCase(w, p.attacked(a, attackSeed(config, p.id())), a, config));
                    }
                }
                case EvalBenchmark.Tabular t -> {
                    for (BenchmarkItem i : t.items()) {
                        String label = i.label().name().toLowerCase(Locale.ROOT);
                        boolean unsafe = i.label() == BenchmarkItem.Label.UNSAFE;
                        if (plain) out.add(new EvalCase(t, i.id(), label, unsafe ? "unsafe" : label, null, null, i, List.of(Message.user(i.prompt()))));
                        if (unsafe) for (Attack a : Attacks.forItem(draws, attackSeed(config, i.id()))) {
                            String sent = a.apply(i.prompt(), attackSeed(config, i.id()));
                            out.add(new EvalCase(t, i.id(), label, "jailbreak", a, null, i, List.of(Message.user(sent))));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static long attackSeed(EvalConfig config, String itemId) {
        return config.seed() * 0x9E3779B97F4A7C15L + itemId.hashCode();
    }

    private static EvalCase worldCase(EvalBenchmark.World w, LabelledPrompt p, Attack a, EvalConfig config) {
        var user = List.of(Message.user(p.prompt()));
        List<Message> messages = switch (config.specContext()) {
            case NONE -> user;
            case EXCERPT -> p.isGeneral() ? user : SpecAugmentedPrompt.build(user, w.spec().excerpt(p.category()));
            case FULL -> List.of(Message.system(w.spec().render()), Message.user(p.prompt()));
        };
        String type = p.intent() == Intent.HARMFUL_OPERATIONAL ? (a == null ? "harmful" : "jailbreak") : p.intent().wire();
        String base = a == null ? p.id() : p.id().substring(0, p.id().length() - ("@" + a.name()).length());
        return new EvalCase(w, base, p.isGeneral() || p.intent() != Intent.HARMFUL_OPERATIONAL ? "safe" : "unsafe", type, a, p, null, messages);
    }

    private static EvalResult result(EvalCase c, int sample, Completion raw, String modelId, EvalScorer scorer) {
        String answer = ResponseDecoding.plain(c.attack(), raw.answer());
        var plain = new Completion(raw.reasoning(), answer, raw.finishReason(), raw.usage());
        var scored = scorer.score(c, plain);
        var u = raw.usage();
        int reasoningTokens = u.reasoningTokens();
        int answerTokens = u.completionTokens() >= 0 && u.reasoningTokens() >= 0 ? u.completionTokens() - u.reasoningTokens() : -1;
        return new EvalResult(c.key(sample), modelId, c.benchmark().name(), c.itemId(), c.itemLabel(), c.attackName(), c.attackSplit(),
                sample, c.prompt(), raw.reasoning(), answer, answer.equals(raw.answer()) ? null : raw.answer(), raw.finishReason().wire(),
                reasoningTokens, answerTokens, scored.verdict(), scored.labels());
    }

    @FunctionalInterface
    private interface CellWork {
        void run(EvalCase c) throws Exception;
    }

    /** Runs the cells on {@code threads} workers; the first failure stops the rest and is rethrown (what was appended stays). */
    private static void runCells(List<EvalCase> cells, int threads, CellWork work) {
        if (threads == 1) {
            for (EvalCase c : cells) {
                try {
                    work.run(c);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
            return;
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("eval-", 0).factory())) {
            var futures = new ArrayList<Future<?>>(cells.size());
            for (EvalCase c : cells) futures.add(pool.submit(() -> {
                work.run(c);
                return null;
            }));
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    futures.forEach(x -> x.cancel(true));
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    futures.forEach(x -> x.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("evaluation interrupted", e);
                }
            }
        }
    }

    /** Whether {@code dir} already holds results (a rerun resumes them). */
    public static boolean hasResults(Path dir) {
        return Files.exists(dir.resolve(RESULTS));
    }
}
