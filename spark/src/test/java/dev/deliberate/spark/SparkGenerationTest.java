package dev.deliberate.spark;

import dev.deliberate.align.Models;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.cluster.GenerationRecipe;
import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptMix;
import dev.deliberate.align.data.WorkRecipe;
import dev.deliberate.align.deliberative.DeliberativeDataGenerator;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.saro.PreferenceDataGenerator;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** The generate stages on Spark's local mode give the very files the local engine gives. */
class SparkGenerationTest {
    static final String TEACHER = "world:teacher?error=0.25&verbosity=0.5&drift=0.3";
    static final long SEED = 3;
    static JavaSparkContext spark;
    static Spec spec;
    static List<LabelledPrompt> prompts;

    @BeforeAll
    static void start() {
        Models.installDefaults();
        spec = Spec.defaultSpec();
        var all = SpecWorld.builtin().generate(SpecWorld.Config.defaults(SEED)).train();
        prompts = PromptMix.select(all, 0.2, 0.2, Attacks.select(Attacks.builtin(), "seen"), SEED, 200);
        assertEquals(200, prompts.size());
        // local[2, 2]: two executor threads, and a failed task is tried once more (Spark's own retry)
        spark = new JavaSparkContext(new SparkConf().setMaster("local[2,2]").setAppName("deliberate-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    static GenerationRecipe recipe(String generator, int k, GenerationRecipe.Prefs prefs) {
        return new GenerationRecipe(generator, Spec.defaultMarkdown(), "builtin:specworld.md", TEACHER, "world:judge", true, null, 8,
                k, 1, 1.0, 2048, 0.9, SEED, 2, prefs, null);
    }

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    /** Runs {@code generator} as the command line does, on {@code engine} (null = 2 local threads). */
    static void generate(GenerationRecipe r, SparkFanout engine, Path out) {
        generate(r, engine, out, prompts);
    }

    static void generate(GenerationRecipe r, SparkFanout engine, Path out, List<LabelledPrompt> prompts) {
        var opts = ChatModels.OpenOptions.defaults().withNoCache();
        try (ChatModel teacher = ChatModels.global().open(r.teacher(), opts)) {
            Judge judge = Judges.open(r.judge(), spec, opts);
            GenerationConfig c = engine == null ? r.config() : r.config().withEngine(engine);
            if (r.prefs() == null) DeliberativeDataGenerator.run(c, spec, teacher, judge, prompts, out, ProgressListener.NONE);
            else PreferenceDataGenerator.run(new PreferenceDataGenerator.Config(c, r.prefs().outputLevel(), r.prefs().processLevel(),
                    r.prefs().lateReflection(), r.prefs().valFraction()), spec, teacher, judge, prompts, out, ProgressListener.NONE);
        }
    }

    @TempDir
    static Path shared;
    private static Path localDeliberative;

    /** The local engine's deliberative run on the 200 prompts, made once for the tests that compare with it. */
    static synchronized Path localDeliberative() {
        if (localDeliberative == null) {
            localDeliberative = shared.resolve("local-deliberative");
            generate(recipe(DeliberativeDataGenerator.NAME, 4, null), null, localDeliberative);
        }
        return localDeliberative;
    }

    @Test
    void deliberativeOnSparkWritesTheSameFilesAsTheLocalRun(@TempDir Path dir) throws Exception {
        var r = recipe(DeliberativeDataGenerator.NAME, 4, null);
        Path local = localDeliberative();
        try (var engine = new SparkFanout(spark, false, r, 6, 64, 2)) {
            generate(r, engine, dir.resolve("spark"));
        }
        for (String f : List.of("sft.jsonl", GenerationRun.LEDGER))
            assertEquals(sha256(local.resolve(f)), sha256(dir.resolve("spark").resolve(f)), f);
        assertTrue(Files.readAllLines(dir.resolve("spark/sft.jsonl")).size() > 50, "the run kept records");
        assertEquals(200, Files.readAllLines(dir.resolve("spark").resolve(GenerationRun.LEDGER)).size());
    }

    @Test
    void saroPrefsOnSparkWritesTheSameFilesAsTheLocalRun(@TempDir Path dir) throws Exception {
        var r = recipe(PreferenceDataGenerator.NAME, 8, new GenerationRecipe.Prefs(true, true, 0.25, 0.1));
        var some = prompts.subList(0, 80); // K = 8 and branching: the 200-prompt check is the deliberative one
        generate(r, null, dir.resolve("local"), some);
        try (var engine = new SparkFanout(spark, false, r, 4, 1000, 2)) {
            generate(r, engine, dir.resolve("spark"), some);
        }
        for (String f : List.of(PreferenceDataGenerator.TRAIN, PreferenceDataGenerator.VAL, GenerationRun.LEDGER))
            assertEquals(sha256(dir.resolve("local").resolve(f)), sha256(dir.resolve("spark").resolve(f)), f);
    }

    static final AtomicInteger FAILED_ATTEMPTS = new AtomicInteger();

    /** The stage's work, except that the first attempt of partition 1 dies after a few prompts, as a killed executor would. */
    record FailingFirstAttempt(GenerationRecipe inner) implements WorkRecipe {
        @Override
        public Work open() {
            Work w = inner.open();
            var seen = new AtomicInteger();
            return new Work() {
                @Override
                public GenerationRun.Produced apply(LabelledPrompt p) {
                    TaskContext t = TaskContext.get();
                    if (t != null && t.partitionId() == 1 && t.attemptNumber() == 0 && seen.incrementAndGet() > 5) {
                        FAILED_ATTEMPTS.incrementAndGet();
                        throw new IllegalStateException("executor lost (injected) in partition 1, attempt 0");
                    }
                    return w.apply(p);
                }

                @Override
                public void close() {
                    w.close();
                }
            };
        }
    }

    @Test
    void aTaskThatDiesOnItsFirstAttemptIsRetriedWithoutDuplicateOrMissingRecords(@TempDir Path dir) throws Exception {
        var r = recipe(DeliberativeDataGenerator.NAME, 4, null);
        Path local = localDeliberative();
        FAILED_ATTEMPTS.set(0);
        try (var engine = new SparkFanout(spark, false, new FailingFirstAttempt(r), 4, 1000, 1)) {
            generate(r, engine, dir.resolve("spark"));
        }
        assertTrue(FAILED_ATTEMPTS.get() >= 1, "the injected failure happened");
        var keys = new HashSet<String>();
        for (String line : Files.readAllLines(dir.resolve("spark").resolve(GenerationRun.LEDGER)))
            assertTrue(keys.add(line.substring(0, line.indexOf(',')) ), "duplicate ledger line " + line);
        assertEquals(200, keys.size());
        for (String f : List.of("sft.jsonl", GenerationRun.LEDGER))
            assertEquals(sha256(local.resolve(f)), sha256(dir.resolve("spark").resolve(f)), f);
    }
}
