package dev.deliberate.spark;

import dev.deliberate.align.Models;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.cluster.GenerationRecipe;
import dev.deliberate.align.data.GenerationSummary;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptMix;
import dev.deliberate.align.deliberative.DeliberativeDataGenerator;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.FakeEndpoint;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How {@code generate deliberative} scales on Spark's local mode when the teacher is a remote endpoint: SpecWorld's
 * teacher behind a {@link FakeEndpoint} on loopback that takes {@code latency} per call, the world judge local.
 * Runs the local engine with 1 thread and Spark's {@code local[1]} and {@code local[2]} (one prompt at a time per
 * task), each the median of {@code runs}, and checks that every run wrote the same {@code sft.jsonl}.
 * Arguments: {@code [prompts=400] [latency-ms=20] [runs=3]}.
 */
public final class SparkScalingBench {
    private SparkScalingBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int latencyMs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Models.installDefaults();
        Spec spec = Spec.defaultSpec();
        var all = SpecWorld.builtin().generate(SpecWorld.Config.defaults(1)).train();
        List<LabelledPrompt> prompts = PromptMix.select(all, 0.2, 0.2, Attacks.select(Attacks.builtin(), "seen"), 1, n);
        ChatModel scripted = ChatModels.global().open("world:teacher?error=0.25&verbosity=0.5&drift=0.3", ChatModels.OpenOptions.defaults().withNoCache());
        Path tmp = Files.createTempDirectory("spark-scaling");
        try (var fake = FakeEndpoint.start(FakeEndpoint.Behaviour.of(Duration.ofMillis(latencyMs), 64), scripted)) {
            String teacher = fake.baseUrl() + "#world-teacher";
            var recipe = new GenerationRecipe(DeliberativeDataGenerator.NAME, Spec.defaultMarkdown(), "builtin:specworld.md", teacher, WorldJudge.ID,
                    true, null, 8, 4, 1, 1.0, 2048, 0.9, 1, 1, null, null);
            System.out.printf(Locale.ROOT, "generate deliberative, %d prompts, teacher over HTTP with %d ms per call (K=4 in one call), world judge; median of %d%n",
                    prompts.size(), latencyMs, runs);
            System.out.printf(Locale.ROOT, "%-22s %10s %12s %8s  %s%n", "engine", "seconds", "prompts/s", "speed-up", "sft.jsonl sha256");
            double base = 0;
            for (String engine : List.of("local, 1 thread", "spark local[1]", "spark local[2]")) {
                double[] secs = new double[runs];
                String sha = null;
                for (int r = 0; r < runs; r++) {
                    Path out = tmp.resolve(engine.replaceAll("[^a-z0-9]+", "-") + r);
                    var opts = ChatModels.OpenOptions.defaults().withNoCache().withLimits(8, 6, Duration.ofMinutes(1));
                    try (ChatModel t = ChatModels.global().open(teacher, opts)) {
                        GenerationConfig c = recipe.config();
                        GenerationSummary s;
                        if (engine.startsWith("local")) s = DeliberativeDataGenerator.run(c, spec, t, WorldJudge.builtin(), prompts, out, ProgressListener.NONE);
                        else {
                            String master = engine.substring("spark ".length());
                            try (SparkFanout f = new SparkEngine().create(Map.of("master", master, "partitions", "8"), recipe)) {
                                s = DeliberativeDataGenerator.run(c.withEngine(f), spec, t, WorldJudge.builtin(), prompts, out, ProgressListener.NONE);
                            }
                        }
                        secs[r] = s.seconds();
                    }
                    String h = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out.resolve("sft.jsonl"))));
                    if (sha != null && !sha.equals(h)) throw new IllegalStateException(engine + ": run " + r + " wrote different data");
                    sha = h;
                }
                Arrays.sort(secs);
                double med = secs[runs / 2];
                if (base == 0) base = med;
                System.out.printf(Locale.ROOT, "%-22s %10.2f %12.1f %7.2fx  %s%n", engine, med, prompts.size() / med, base / med, sha.substring(0, 16));
            }
        } finally {
            scripted.close();
        }
    }
}
