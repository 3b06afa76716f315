package dev.deliberate.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.data.Fanout;
import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.data.ResumableJob;
import dev.deliberate.align.data.WorkRecipe;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.WorldData;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generation run's prompts as Spark jobs. The pending prompts go out in chunks; each chunk is one job of
 * {@code partitions} partitions, and each partition's task rebuilds the stage's work from the {@link WorkRecipe}
 * (once per executor JVM) and runs its prompts, {@code threads} at once. The driver collects the chunk's results
 * and commits them in prompt order through {@link GenerationRun}'s ledger and record keys. Spark keeps one result
 * per partition whatever the attempts, so a retried or speculative task can neither duplicate nor lose a record,
 * and a killed driver leaves a committed prefix that a rerun continues from.
 */
public final class SparkFanout implements Fanout, AutoCloseable {
    private static final ObjectMapper PROMPTS = WorldData.mapper();
    /** The work each executor JVM built, per recipe: models are opened once per process, not per task. */
    private static final Map<WorkRecipe, WorkRecipe.Work> OPENED = new ConcurrentHashMap<>();

    private final JavaSparkContext spark;
    private final boolean ownsContext;
    private final WorkRecipe recipe;
    private final int partitions, chunk, threads;

    /**
     * @param partitions tasks per job (default: Spark's default parallelism)
     * @param chunk      prompts per job: what the driver holds at once
     * @param threads    prompts worked on at once inside one task
     */
    public SparkFanout(JavaSparkContext spark, boolean ownsContext, WorkRecipe recipe, int partitions, int chunk, int threads) {
        if (partitions < 1 || chunk < 1 || threads < 1) throw new IllegalArgumentException("partitions, chunk and threads must be >= 1");
        this.spark = spark;
        this.ownsContext = ownsContext;
        this.recipe = recipe;
        this.partitions = partitions;
        this.chunk = chunk;
        this.threads = threads;
    }

    public JavaSparkContext context() {
        return spark;
    }

    @Override
    public int run(List<LabelledPrompt> items, Predicate<LabelledPrompt> done, Function<LabelledPrompt, GenerationRun.Produced> work,
                   BiConsumer<LabelledPrompt, GenerationRun.Produced> commit, String stage, ProgressListener progress) {
        List<LabelledPrompt> todo = items.stream().filter(done.negate()).toList();
        int finished = items.size() - todo.size();
        progress.progress(stage, finished, items.size());
        spark.setJobGroup("deliberate-" + stage, "deliberate " + stage + ": " + todo.size() + " prompts", false);
        for (int from = 0; from < todo.size(); from += chunk) {
            List<LabelledPrompt> part = todo.subList(from, Math.min(todo.size(), from + chunk));
            var lines = new ArrayList<String>(part.size());
            for (LabelledPrompt p : part) lines.add(encodePrompt(p));
            List<String> results = spark.parallelize(lines, Math.min(partitions, lines.size()))
                    .mapPartitions(new Task(recipe, threads)).collect();
            if (results.size() != part.size())
                throw new IllegalStateException("Spark returned " + results.size() + " results for " + part.size() + " prompts");
            for (int i = 0; i < part.size(); i++) {
                commit.accept(part.get(i), decode(results.get(i)));
                progress.progress(stage, ++finished, items.size());
            }
        }
        return todo.size();
    }

    /** One partition: its prompts in, their results out, in the same order. */
    record Task(WorkRecipe recipe, int threads) implements FlatMapFunction<Iterator<String>, String> {
        @Override
        public Iterator<String> call(Iterator<String> in) {
            var prompts = new ArrayList<LabelledPrompt>();
            in.forEachRemaining(l -> prompts.add(decodePrompt(l)));
            WorkRecipe.Work work = OPENED.computeIfAbsent(recipe, WorkRecipe::open);
            var out = new ArrayList<String>(prompts.size());
            ResumableJob.run(prompts, p -> false, Math.min(threads, Math.max(1, prompts.size())), work, (p, r) -> out.add(encode(r)), "task", ProgressListener.NONE);
            return out.iterator();
        }
    }

    static String encodePrompt(LabelledPrompt p) {
        try {
            return PROMPTS.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LabelledPrompt decodePrompt(String line) {
        try {
            return PROMPTS.readValue(line, LabelledPrompt.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a prompt shipped to the executor: " + e.getMessage(), e);
        }
    }

    /** A result as one JSON line: the records as the trees the appender writes, and the ledger line. */
    static String encode(GenerationRun.Produced r) {
        ObjectNode root = Jsonl.MAPPER.createObjectNode();
        var outs = root.putArray("outputs");
        for (GenerationRun.Output o : r.outputs())
            outs.addObject().put("file", o.file()).put("key", o.key()).set("record", Jsonl.MAPPER.valueToTree(o.record()));
        root.set("outcome", Jsonl.MAPPER.valueToTree(r.outcome()));
        return Jsonl.line(root);
    }

    static GenerationRun.Produced decode(String line) {
        try {
            JsonNode root = Jsonl.MAPPER.readTree(line);
            var outs = new ArrayList<GenerationRun.Output>();
            for (JsonNode o : root.path("outputs")) outs.add(new GenerationRun.Output(o.path("file").asText(), o.path("record"), o.path("key").asText()));
            return new GenerationRun.Produced(outs, Jsonl.MAPPER.treeToValue(root.path("outcome"), PromptOutcome.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a task's result: " + e.getMessage(), e);
        }
    }

    /** Closes the models this JVM opened for tasks (in local mode, the executors are this JVM), and the context if ours. */
    @Override
    public void close() {
        for (var it = OPENED.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals(recipe)) {
                it.remove();
                e.getValue().close();
            }
        }
        if (ownsContext) spark.stop();
    }
}
