package dev.deliberate.align.reward;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.JudgeInput;
import dev.deliberate.align.judge.SpecJudge;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.judge.Visibility;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.engine.tokenizer.Reasoning;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The spec judge as a reward service for RL trainers that live elsewhere (OpenRLHF's remote reward model, TRL reward
 * functions): each (prompt, response, label) is graded by a {@link Judge}, by default on the answer only — the chain
 * of thought is cut off by {@link #split} before any judge code runs, as Deliberative Alignment's RL stage requires
 * (Guan et al., 2024, §2.3). At most {@code maxConcurrency} judge calls run at once and at most {@code maxQueue}
 * further requests wait; beyond that {@link Busy} is thrown (the server's 429). Each item gets a sampling seed
 * derived from its content, so identical requests get identical rewards; verdicts are kept in a bounded cache.
 */
public final class RewardService implements AutoCloseable {

    /**
     * @param visibility     what the judge may read; {@link Visibility#ANSWER_ONLY} unless the operator opts out
     * @param maxConcurrency judge calls in flight at once
     * @param maxQueue       requests that may wait beyond those being judged
     * @param cacheEntries   verdicts kept in memory (0 = no cache)
     * @param seed           mixed into every per-item seed
     */
    public record Options(Visibility visibility, int maxConcurrency, int maxQueue, int cacheEntries, long seed) {
        public static final Options DEFAULT = new Options(Visibility.ANSWER_ONLY, 8, 64, 100_000, 0);

        public Options {
            Objects.requireNonNull(visibility, "visibility");
            if (maxConcurrency < 1) throw new IllegalArgumentException("max concurrency must be at least 1, got " + maxConcurrency);
            if (maxQueue < 0) throw new IllegalArgumentException("max queue must be >= 0, got " + maxQueue);
            if (cacheEntries < 0) throw new IllegalArgumentException("cache entries must be >= 0, got " + cacheEntries);
        }

        public Options withVisibility(Visibility v) {
            return new Options(v, maxConcurrency, maxQueue, cacheEntries, seed);
        }

        public Options withLimits(int concurrency, int queue) {
            return new Options(visibility, concurrency, queue, cacheEntries, seed);
        }
    }

    /** One thing to grade: the labelled prompt and the policy's whole output (reasoning included, as generated). */
    public record Item(LabelledPrompt prompt, String response) {
        public Item {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(response, "response");
        }
    }

    /**
     * A graded item.
     *
     * @param verdict the judge's verdict
     * @param failure why the judge's reply could not be read (then there is no reward: its own outcome, not a zero)
     * @param cached  the verdict came from the cache
     * @param seed    the sampling seed the judge used
     */
    public record Graded(Verdict verdict, String failure, boolean cached, long seed) {
        /** The reward, or null when the judge failed. */
        public Double reward() {
            return failure == null ? verdict.score() : null;
        }
    }

    /** Too many requests waiting: the caller should retry later (HTTP 429). */
    public static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    private final Judge judge;
    private final Options options;
    private final Semaphore permits;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicLong judgeCalls = new AtomicLong(), cacheHits = new AtomicLong();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Verdict> cache;

    public RewardService(Judge judge, Options options) {
        this.judge = Objects.requireNonNull(judge, "judge");
        this.options = Objects.requireNonNull(options, "options");
        this.permits = new Semaphore(options.maxConcurrency(), true);
        int cap = options.cacheEntries();
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Verdict> e) {
                return size() > cap;
            }
        };
    }

    public Judge judge() {
        return judge;
    }

    public Options options() {
        return options;
    }

    /** How many judge calls were made, and how many items the cache answered. */
    public long judgeCalls() {
        return judgeCalls.get();
    }

    public long cacheHits() {
        return cacheHits.get();
    }

    /**
     * The project's answer rule ({@link Reasoning#split}): reasoning is everything up to the last {@code </think>}, a
     * block opened after it runs to the end, so a policy that writes several blocks cannot smuggle reasoning past the judge.
     */
    public static Completion split(String text) {
        Reasoning.Split s = Reasoning.split(text);
        return new Completion(s.reasoning(), s.answer().strip(), "stop", null);
    }

    /** Grades a batch; items run in parallel under the concurrency limit. */
    public CompletableFuture<List<Graded>> submit(List<Item> items) {
        if (admitted.incrementAndGet() > options.maxConcurrency() + options.maxQueue()) {
            admitted.decrementAndGet();
            throw new Busy("the reward service has " + options.maxConcurrency() + " requests being judged and " + options.maxQueue()
                    + " waiting (--max-queue); retry later");
        }
        CompletableFuture<List<Graded>> result = new CompletableFuture<>();
        List<CompletableFuture<Graded>> parts = new ArrayList<>(items.size());
        try {
            for (Item it : items) parts.add(CompletableFuture.supplyAsync(() -> grade(it, result), workers));
        } catch (RuntimeException e) {
            admitted.decrementAndGet();
            throw e;
        }
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            admitted.decrementAndGet();
            if (e != null) result.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
            else result.complete(parts.stream().map(CompletableFuture::join).toList());
        });
        return result;
    }

    /** Grades one item on the calling thread (no admission control). */
    public Graded grade(Item it) {
        return grade(it, null);
    }

    private Graded grade(Item it, CompletableFuture<?> request) {
        Completion whole = split(it.response());
        JudgeInput in = JudgeInput.of(it.prompt(), whole, options.visibility());
        String key = key(in);
        long seed = seed(key);
        if (options.cacheEntries() > 0) {
            Verdict hit;
            synchronized (cache) {
                hit = cache.get(key);
            }
            if (hit != null) {
                cacheHits.incrementAndGet();
                return graded(hit, true, seed);
            }
        }
        if (request != null && request.isDone()) throw new java.util.concurrent.CancellationException("the request was cancelled");
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.util.concurrent.CancellationException("interrupted");
        }
        Verdict v;
        try {
            if (request != null && request.isDone()) throw new java.util.concurrent.CancellationException("the request was cancelled");
            judgeCalls.incrementAndGet();
            v = judge instanceof SpecJudge s ? s.judge(in, 0, seed) : judge.judge(in);
        } finally {
            permits.release();
        }
        boolean failed = SpecJudge.isParseFailure(v);
        if (options.cacheEntries() > 0 && !failed) {
            synchronized (cache) {
                cache.put(key, v);
            }
        }
        return graded(v, false, seed);
    }

    private static Graded graded(Verdict v, boolean cached, long seed) {
        return new Graded(v, SpecJudge.isParseFailure(v) ? v.reason() : null, cached, seed);
    }

    /** What the judge is asked, as a digest: judge, visibility, labels, and exactly the text it is shown. */
    private String key(JudgeInput in) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(judge.id(), in.visibility().name(), Jsonl.MAPPER.writeValueAsString(in.item()),
                    in.shown().reasoning(), in.shown().answer(), Long.toString(options.seed()))) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                d.update(ByteBuffer.allocate(4).putInt(b.length).array());
                d.update(b);
            }
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long seed(String key) {
        return Long.parseUnsignedLong(key.substring(0, 15), 16);
    }

    @Override
    public void close() {
        workers.shutdown();
    }
}
