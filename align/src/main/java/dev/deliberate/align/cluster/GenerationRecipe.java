package dev.deliberate.align.cluster;

import dev.deliberate.align.Models;
import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.data.WorkRecipe;
import dev.deliberate.align.deliberative.DeliberativeDataGenerator;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.judge.SpecJudge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.saro.PreferenceDataGenerator;
import dev.deliberate.align.saro.ReasoningWarmupGenerator;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.Objects;
import java.util.function.Function;

/**
 * A {@code generate} stage as plain values, from which a worker builds the same per-prompt work the stage builds
 * locally ({@link DeliberativeDataGenerator#work}, {@link ReasoningWarmupGenerator#work},
 * {@link PreferenceDataGenerator#work}). Workers open the models without the SQLite response cache (one file
 * cannot be shared between machines); keys are read from the worker's environment, by variable name only.
 *
 * @param generator     {@code deliberative}, {@code saro-rw} or {@code saro-prefs}
 * @param specMarkdown  the spec's text (parsed again on the worker)
 * @param apiKeyEnv     the variable holding the key for http(s) endpoints, or null
 * @param concurrency   model calls in flight per worker process and model
 * @param threads       prompts worked on at once per task
 * @param prefs         for {@code saro-prefs}: OP-COT, PP-COT, late-reflection share, validation share; null otherwise
 * @param calls         remote-call limits; null = the defaults
 */
public record GenerationRecipe(String generator, String specMarkdown, String specSource, String teacher, String judge, boolean judgeMetadata,
                               String apiKeyEnv, int concurrency, int k, int judgeRuns, double temperature, int maxTokens, double threshold,
                               long seed, int threads, Prefs prefs, Calls calls) implements WorkRecipe {

    /** How long remote calls may take ({@code --retries}, {@code --request-timeout}, {@code --total-timeout}). */
    public record Calls(int retries, java.time.Duration requestTimeout, java.time.Duration totalTimeout) implements java.io.Serializable {
        public static Calls of(ChatModels.OpenOptions o) {
            return new Calls(o.maxRetries(), o.requestTimeout(), o.totalTimeout());
        }
    }

    /** saro-prefs' own settings. */
    public record Prefs(boolean outputLevel, boolean processLevel, double lateReflection, double valFraction) implements java.io.Serializable {}

    public GenerationRecipe {
        Objects.requireNonNull(generator, "generator");
        Objects.requireNonNull(specMarkdown, "specMarkdown");
        Objects.requireNonNull(teacher, "teacher");
        Objects.requireNonNull(judge, "judge");
        switch (generator) {
            case DeliberativeDataGenerator.NAME, ReasoningWarmupGenerator.NAME -> {}
            case PreferenceDataGenerator.NAME -> Objects.requireNonNull(prefs, "saro-prefs needs its pair settings");
            default -> throw new IllegalArgumentException("unknown generator '" + generator + "' (deliberative, saro-rw, saro-prefs)");
        }
    }

    /** The stage's generation settings, as the local run builds them. */
    public GenerationConfig config() {
        return new GenerationConfig(new SpecContextSampler.Settings(k, judgeRuns, temperature, maxTokens), threshold, seed, threads);
    }

    @Override
    public Work open() {
        Models.installDefaults();
        Spec spec = Spec.parse(specMarkdown, specSource);
        var options = ChatModels.OpenOptions.defaults().withNoCache().withApiKeyEnv(apiKeyEnv);
        if (calls != null) options = options.withTimeouts(calls.retries(), calls.requestTimeout(), calls.totalTimeout());
        options = options.withLimits(concurrency, options.maxRetries(), options.requestTimeout());
        ChatModel t = ChatModels.global().open(teacher, options);
        Judge j;
        try {
            j = Judges.open(judge, spec, options, SpecJudge.Options.DEFAULT.withMetadata(judgeMetadata));
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        GenerationConfig c = config();
        Function<LabelledPrompt, GenerationRun.Produced> stage = switch (generator) {
            case DeliberativeDataGenerator.NAME -> DeliberativeDataGenerator.work(c, spec, t, j);
            case ReasoningWarmupGenerator.NAME -> ReasoningWarmupGenerator.work(c, spec, t, j);
            default -> PreferenceDataGenerator.work(new PreferenceDataGenerator.Config(c, prefs.outputLevel(), prefs.processLevel(),
                    prefs.lateReflection(), prefs.valFraction()), spec, t, j);
        };
        Function<LabelledPrompt, GenerationRun.Produced> f = GenerationRun.skippingTooLong(stage);
        return new Work() {
            @Override
            public GenerationRun.Produced apply(LabelledPrompt p) {
                return f.apply(p);
            }

            @Override
            public void close() {
                t.close();
                if (j instanceof AutoCloseable ac) {
                    try {
                        ac.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
    }
}
