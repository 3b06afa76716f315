package dev.deliberate.cli;

import dev.deliberate.align.Models;
import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.cluster.GenerationRecipe;
import dev.deliberate.align.data.Fanout;
import dev.deliberate.align.data.GenerationSummary;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.LlamaFactoryExport;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptMix;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.judge.SpecJudge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.ModelRef;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.Lexicon;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.world.WorldData;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the three {@code generate} commands share: run file and resolved config, spec, prompts (SpecWorld's train
 * split or a file, mixed and attacked), teacher and judge, a progress bar, the summary table and the LLaMA-Factory
 * export. Each command supplies its defaults and calls its generator.
 */
final class GenerateRun implements AutoCloseable {
    /** Keys a resumed run may change without changing the data. */
    static final Set<String> MUTABLE = Set.of("limit", "threads", "no-cache", "cache", "export-llamafactory", "out", "api-key-env", "request-timeout", "retries",
            "total-timeout", "engine", "master", "partitions");

    /** The run folder's copy of the prompt mix it works on (attacked prompts as attacked), for {@code train rl --prompts}. */
    static final String PROMPTS = "prompts.jsonl";

    /** A command's defaults where the shared options leave them open. */
    record Defaults(String teacher, int k, double generalFraction) {}

    final GenerateOptions o;
    final Spec spec;
    final ChatModel teacher;
    final Judge judge;
    final List<LabelledPrompt> prompts;
    final Path out;
    private final PrintWriter err;
    private String generator;
    private Fanout engine;

    private GenerateRun(GenerateOptions o, Spec spec, ChatModel teacher, Judge judge, List<LabelledPrompt> prompts, PrintWriter err) {
        this.o = o;
        this.spec = spec;
        this.teacher = teacher;
        this.judge = judge;
        this.prompts = prompts;
        this.out = o.out;
        this.err = err;
    }

    /** Resolves options (run file, defaults), opens everything, and records the configuration in the run folder. */
    static GenerateRun open(CommandLine cl, GenerateOptions o, Defaults d) {
        if (o.config != null) RunConfig.apply(cl, o.config);
        if (o.out == null) throw new UserError("--out DIR is required (or 'out:' in the run file): the run folder to write, or to resume");
        if (o.teacher == null) o.teacher = d.teacher();
        if (o.k == null) o.k = d.k();
        if (o.only != null && !o.only.equals("general") && !o.only.equals("safety"))
            throw new UserError("--only must be general or safety, got '" + o.only + "'");
        if ("general".equals(o.only) && o.generalFraction != null)
            throw new UserError("--only general takes every general task as it is; --general-fraction has nothing to mix into");
        if (o.generalFraction == null) o.generalFraction = "safety".equals(o.only) ? 0 : d.generalFraction();
        if (o.k < 1) throw new UserError("--k must be >= 1, got " + o.k);
        if (o.limit < 0) throw new UserError("--limit must be >= 0, got " + o.limit);
        if (!(o.threshold >= 0 && o.threshold <= 1)) throw new UserError("--threshold must be in [0, 1], got " + o.threshold);
        if (o.maxTokens < 1) throw new UserError("--max-tokens must be >= 1, got " + o.maxTokens);
        if (o.temperature < 0) throw new UserError("--temperature must be >= 0, got " + o.temperature);
        Models.installDefaults();
        Spec spec = SpecFiles.load(o.spec);
        ModelRef teacherRef;
        try {
            teacherRef = ModelRef.parse(o.teacher);
        } catch (IllegalArgumentException e) {
            throw new UserError("--teacher: " + e.getMessage());
        }
        boolean remote = teacherRef instanceof ModelRef.Endpoint || teacherRef instanceof ModelRef.OpenAi || teacherRef instanceof ModelRef.Pool;
        if (o.threads == null) o.threads = remote ? 8 : 1;
        if (o.threads < 1) throw new UserError("--threads must be >= 1, got " + o.threads);
        try {
            ChatModels.checkKeyScope(o.upstreamKey.env, java.util.Arrays.asList(o.teacher, o.judge));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        var options = o.remote.apply(ChatModels.OpenOptions.defaults().withApiKeyEnv(o.upstreamKey.env));
        options = o.cache.apply(options);
        options = options.withLimits(Math.max(o.threads, 1), options.maxRetries(), options.requestTimeout());

        List<LabelledPrompt> all = only(loadPrompts(o, spec), o);
        List<Attack> families;
        try {
            families = Attacks.select(Attacks.builtin(), o.attacks);
        } catch (IllegalArgumentException e) {
            throw new UserError("--attacks: " + e.getMessage());
        }
        List<LabelledPrompt> prompts;
        try {
            // general tasks alone: NaN keeps the input's own mix, every general task in the seeded order
            prompts = PromptMix.select(all, "general".equals(o.only) ? Double.NaN : o.generalFraction, o.attackFraction, families, o.seed, o.limit);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (prompts.isEmpty()) throw new UserError("no prompts to work on" + (o.prompts != null ? " in " + o.prompts : ""));
        long safety = all.stream().filter(p -> !p.isGeneral()).count(), general = all.size() - safety;
        if (o.only == null && o.generalFraction > 0 && safety > 0 && general < Math.round(safety * o.generalFraction / (1 - o.generalFraction)))
            cl.getErr().printf(java.util.Locale.ROOT, "note: only %d general-task prompts for %d safety prompts, so general tasks are %.1f%% of the mix, not %.1f%%%n",
                    general, safety, 100.0 * general / all.size(), 100 * o.generalFraction);

        ChatModel teacher;
        try {
            teacher = ChatModels.global().open(teacherRef, options);
        } catch (IllegalArgumentException e) {
            throw new UserError("--teacher: " + e.getMessage());
        }
        Judge judge;
        try {
            if (o.judgeMaxTokens < 1) throw new UserError("--judge-max-tokens must be >= 1, got " + o.judgeMaxTokens);
            judge = Judges.open(o.judge, spec, options, SpecJudge.Options.DEFAULT.withMetadata(!o.noJudgeMetadata).withMaxTokens(o.judgeMaxTokens));
        } catch (IllegalArgumentException e) {
            teacher.close();
            throw new UserError("--judge: " + e.getMessage());
        }
        var run = new GenerateRun(o, spec, teacher, judge, prompts, cl.getErr());
        run.generator = cl.getCommandName();
        try {
            if (o.judgeRuns == null) o.judgeRuns = judge.deterministic() ? 1 : 3;
            if (o.judgeRuns < 1) throw new UserError("--judge-runs must be >= 1, got " + o.judgeRuns);
            var config = new java.util.TreeMap<>(RunConfig.resolved(cl.getCommandSpec()));
            config.put("generator", cl.getCommandName());
            config.put("teacher_id", teacher.id());
            config.put("judge_id", judge.id());
            config.put("spec_hash", spec.hash());
            RunConfig.checkCompatible(o.out, config, MUTABLE);
            try {
                Files.createDirectories(o.out);
            } catch (IOException e) {
                throw new UserError("cannot create " + o.out + ": " + e.getMessage());
            }
            RunConfig.write(o.out, config);
            Jsonl.write(o.out.resolve(PROMPTS), prompts); // the mix as worked on: RL's prompts are the SFT data's
            return run;
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
    }

    /** {@code --only}: the prompts of one kind. */
    private static List<LabelledPrompt> only(List<LabelledPrompt> all, GenerateOptions o) {
        if (o.only == null) return all;
        boolean general = o.only.equals("general");
        return all.stream().filter(p -> p.isGeneral() == general).toList();
    }

    private static List<LabelledPrompt> loadPrompts(GenerateOptions o, Spec spec) {
        if (o.prompts != null) {
            if (!Files.isRegularFile(o.prompts)) throw new UserError("--prompts: " + o.prompts + " does not exist");
            try {
                return dev.deliberate.align.data.PromptFile.read(o.prompts, spec);
            } catch (IOException e) {
                throw new UserError("--prompts: cannot read " + o.prompts + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
        try {
            return new SpecWorld(spec, Lexicon.builtin()).generate(SpecWorld.Config.defaults(o.seed)).train();
        } catch (IllegalArgumentException e) {
            throw new UserError("SpecWorld cannot label prompts for this spec (" + e.getMessage() + "); give your own prompts with --prompts FILE");
        }
    }

    GenerationConfig config() {
        return config(null);
    }

    /**
     * The generation settings, on the engine {@code --engine} names: the prompts are worked on here, or by a
     * cluster engine found on the class path, which rebuilds the stage on its workers from a {@link GenerationRecipe}.
     *
     * @param prefs saro-prefs' pair settings (null for the other generators)
     */
    GenerationConfig config(GenerationRecipe.Prefs prefs) {
        var gc = new GenerationConfig(new SpecContextSampler.Settings(o.k, o.judgeRuns, o.temperature, o.maxTokens), o.threshold, o.seed, o.threads);
        if (o.engine == null || o.engine.equals("local")) return gc;
        var provider = Fanout.provider(o.engine).orElseThrow(() -> new UserError("--engine " + o.engine + ": no such engine on the class path"
                + (o.engine.equals("spark") ? "; run the command through spark/bin/deliberate-spark (embedded Spark) or spark-submit (see the README)" : " (local, spark)")));
        String markdown;
        try {
            markdown = o.spec == null ? Spec.defaultMarkdown() : Files.readString(o.spec);
        } catch (IOException e) {
            throw new UserError("cannot read " + o.spec + ": " + e.getMessage());
        }
        var recipe = new GenerationRecipe(generator, markdown, o.spec == null ? "builtin:specworld.md" : o.spec.toString(), o.teacher, o.judge,
                !o.noJudgeMetadata, o.upstreamKey.env, o.threads, o.k, o.judgeRuns, o.temperature, o.maxTokens, o.threshold, o.seed, o.threads, prefs,
                GenerationRecipe.Calls.of(o.remote.apply(ChatModels.OpenOptions.defaults())));
        var settings = new java.util.HashMap<String, String>();
        if (o.master != null) settings.put("master", o.master);
        if (o.partitions != null) settings.put("partitions", String.valueOf(o.partitions));
        settings.put("threads", String.valueOf(o.threads));
        try {
            engine = provider.create(settings, recipe);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        return gc.withEngine(engine);
    }

    /** A progress bar on stderr, started when the generator reports its total. */
    ProgressListener progress() {
        return new ProgressListener() {
            Progress bar;

            @Override
            public void progress(String stage, int done, int total) {
                if (bar == null) bar = Progress.start(err, stage, total, "prompts");
                bar.stepTo(done);
                if (done == total) {
                    bar.close();
                    bar = null;
                }
            }
        };
    }

    /** Prints the summary table and, if asked, exports the datasets for LLaMA-Factory. */
    int finish(CommandLine cl, GenerationSummary s, List<String> sftFiles, List<String> prefFiles) {
        PrintWriter w = cl.getOut();
        w.print(s.table());
        if (o.exportLlamaFactory) {
            List<LlamaFactoryExport.Dataset> ds = new ArrayList<>();
            for (String f : sftFiles)
                ds.add(new LlamaFactoryExport.Sft(name(cl, f), Files.exists(out.resolve(f)) ? Jsonl.read(out.resolve(f), SftRecord.class) : List.of()));
            for (String f : prefFiles)
                ds.add(new LlamaFactoryExport.Preferences(name(cl, f), Files.exists(out.resolve(f)) ? Jsonl.read(out.resolve(f), PreferenceRecord.class) : List.of()));
            LlamaFactoryExport.write(out.resolve("llamafactory"), ds);
            w.println("LLaMA-Factory datasets in " + out.resolve("llamafactory") + " (dataset_dir=" + out.resolve("llamafactory") + ")");
        }
        for (var e : s.records().entrySet()) w.println("wrote " + out.resolve(e.getKey()) + " (" + e.getValue() + " records)");
        w.flush();
        return 0;
    }

    /** The dataset's name in dataset_info.json: generator and file, e.g. {@code saro_prefs_prefs_val}. */
    private static String name(CommandLine cl, String file) {
        return (cl.getCommandName() + "_" + file.replace(".jsonl", "")).replaceAll("[^A-Za-z0-9]+", "_");
    }


    @Override
    public void close() {
        if (engine instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        teacher.close();
        if (judge instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
