package dev.deliberate.align.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.Models;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptMix;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.deliberative.DeliberativeDataGenerator;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.eval.analysis.HiddenStateEmbedder;
import dev.deliberate.align.llm.LocalChatModel;
import dev.deliberate.align.training.ChatExamples;
import dev.deliberate.align.training.SpecWorldCorpus;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.deliberative.JudgeReward;
import dev.deliberate.engine.model.ModelPresets;
import dev.deliberate.engine.train.DpoLoss;
import dev.deliberate.engine.train.DpoTrainer;
import dev.deliberate.engine.train.GrpoLoss;
import dev.deliberate.engine.train.MetricsLog;
import dev.deliberate.engine.train.PreferenceExample;
import dev.deliberate.engine.train.RlTrainer;
import dev.deliberate.engine.train.SftTrainer;
import dev.deliberate.engine.train.TokenizedExample;
import dev.deliberate.engine.train.TrainConfig;
import dev.deliberate.engine.train.TrainLoop;
import dev.deliberate.engine.train.TrainState;
import dev.deliberate.align.eval.harness.EvalBenchmark;
import dev.deliberate.align.eval.harness.EvalConfig;
import dev.deliberate.align.eval.harness.EvalJudges;
import dev.deliberate.align.eval.harness.EvalRunner;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.llm.BatchingChatModel;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.report.ReportWriter;
import dev.deliberate.align.saro.PreferenceDataGenerator;
import dev.deliberate.align.saro.ReasoningWarmupGenerator;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.world.WorldData;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.io.Safetensors;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.BpeTrainer;
import dev.deliberate.engine.tokenizer.HfTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The main job (issue #8): SpecWorld data, a tokenizer and a base student trained from scratch on general tasks,
 * then five branches — (a) no safety training, (b) direct-refusal SFT, (c) (b) + answer-only DPO, (d) Deliberative
 * Alignment (CoT SFT, then judge-reward RL), (e) SaRO (reasoning warmup, then SRPO) — evaluated on held-out SpecWorld
 * prompts under no attack, seen and held-out attack families, compared in a table and {@code report.html}.
 *
 * <p>Layout of {@code out}: {@code demo.json} (preset, seed, sizes, stage times), {@code data/} ({@code world},
 * {@code general}, {@code deliberative}, {@code saro-rw}, {@code saro-prefs}, and the baselines' {@code direct-refusal}
 * and {@code answer-dpo}), {@code tokenizer/}, one training folder per model ({@code base}, {@code direct-sft},
 * {@code direct-dpo}, {@code da-sft}, {@code deliberative}, {@code saro-rw}, {@code saro}, each with {@code checkpoint/}),
 * {@code eval/METHOD/}, and {@code report.html}.
 *
 * <p>Every stage writes its own run folder under {@code out} and finishes by writing its {@code summary.json}; a
 * rerun skips the stages that have one, so a killed demo resumes at the stage it was in.
 */
public final class DemoRun {
    static final String DECODING = "decoding.json";
    static final String CORPUS_DOCUMENTS = "documents.jsonl", CORPUS_CHAT = "chat.jsonl", VAL_COT = "val-cot.jsonl",
            VAL_ANSWER = "val-answer.jsonl", VAL_GENERAL = "val-general.jsonl";
    public static final String MANIFEST = "demo.json", REPORT = "report.html", SUMMARY = "summary.json", CHECKPOINT = "checkpoint";

    /**
     * The five methods, in the order of the table: label (the run folder under {@code eval/}) and title. The two-stage
     * methods' first stages are evaluated too, so the table shows what their second stage (RL, SRPO) changed.
     */
    public enum Method {
        NONE("no-safety", "(a) no safety training"),
        DIRECT_SFT("direct-sft", "(b) direct-refusal SFT"),
        DIRECT_DPO("direct-dpo", "(c) direct SFT + answer-only DPO"),
        DELIBERATIVE_SFT("da-sft-only", "(d') Deliberative Alignment, CoT SFT stage only"),
        DELIBERATIVE("deliberative", "(d) Deliberative Alignment (CoT SFT + RL)"),
        SARO_RW("saro-rw-only", "(e') SaRO, reasoning warmup stage only"),
        SARO("saro", "(e) SaRO (warmup + SRPO)");

        public final String label, title;

        Method(String label, String title) {
            this.label = label;
            this.title = title;
        }
    }

    /** What the demo tells its user: stage lines, bars within a stage, and free lines. */
    public interface Listener extends ProgressListener {
        default void stage(int index, int total, String title, boolean skipped, double etaSeconds) {}

        default void stageDone(int index, String title, double seconds) {}

        default void line(String text) {}

        @Override
        default void progress(String stage, int done, int total) {}
    }

    /** One stage's measured time (0 when skipped). */
    public record StageTime(String stage, double seconds, boolean skipped) {}

    public record Result(Path out, List<StageTime> times, double totalSeconds, ComparisonTable table, Path report) {}

    /** @param weight the stage's share of the run's time, as measured on the presets: the overall ETA's basis */
    private record Stage(String title, String folder, double weight, Runnable work) {}

    private final DemoPreset preset;
    private final Path out;
    private final long seed;
    private final Listener listener;
    private final Spec spec;
    private final Judge judge;
    private SpecWorld.World world;

    private DemoRun(DemoPreset preset, Path out, long seed, Listener listener) {
        this.preset = preset;
        this.out = out;
        this.seed = seed;
        this.listener = listener;
        Models.installDefaults();
        this.spec = SpecWorld.builtin().spec();
        this.judge = Judges.open("world:judge", spec, ChatModels.OpenOptions.defaults().withNoCache());
    }

    /** Runs (or resumes) the demo into {@code out}. */
    public static Result run(DemoPreset preset, Path out, long seed, Listener listener) {
        return new DemoRun(preset, out, seed, listener).run();
    }

    private Result run() {
        long t0 = System.nanoTime();
        checkManifest();
        var stages = stages();
        double totalWeight = stages.stream().mapToDouble(Stage::weight).sum(), doneWeight = 0, spent = 0;
        var times = new ArrayList<StageTime>();
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            boolean skip = s.folder() != null && Files.isRegularFile(out.resolve(s.folder()).resolve(SUMMARY));
            double eta = doneWeight > 0 && spent > 0 ? spent / doneWeight * (totalWeight - doneWeight) : Double.NaN;
            listener.stage(i + 1, stages.size(), s.title(), skip, eta);
            long st = System.nanoTime();
            if (!skip) s.work().run();
            double secs = (System.nanoTime() - st) / 1e9;
            if (!skip) {
                spent += secs;
                doneWeight += s.weight();
            } else totalWeight -= s.weight();
            times.add(new StageTime(s.title(), skip ? 0 : secs, skip));
            listener.stageDone(i + 1, s.title(), skip ? 0 : secs);
        }
        var table = ComparisonTable.read(out.resolve("eval"), List.of(Method.values()));
        double total = (System.nanoTime() - t0) / 1e9;
        writeTimes(times, total);
        return new Result(out, times, total, table, out.resolve(REPORT));
    }

    private List<Stage> stages() {
        var s = new ArrayList<Stage>();
        s.add(new Stage("Data: SpecWorld prompts, teacher CoTs, judged datasets", "data", 0.15, this::data));
        s.add(new Stage("Tokenizer: byte-level BPE on SpecWorld text", "tokenizer", 0.05, this::tokenizer));
        s.add(new Stage("Base model: pretraining from scratch on the SpecWorld corpus and general tasks", "base", 3, () ->
                sft("base", null, "data/general/sft.jsonl", preset.baseSteps(), preset.baseLr())));
        s.add(new Stage("(b) Direct-refusal SFT (answers only)", "direct-sft", 0.85, () ->
                sft("direct-sft", "base", "data/direct-refusal/sft.jsonl", preset.sftSteps(), preset.lr())));
        s.add(new Stage("(c) Answer-only DPO on top of (b)", "direct-dpo", 0.4, () ->
                dpo("direct-dpo", "direct-sft", "data/answer-dpo")));
        s.add(new Stage("(d) SFT (Deliberative Alignment): prompt → CoT + answer, spec stripped", "da-sft", 2.4, () ->
                sft("da-sft", "base", "data/deliberative/sft.jsonl", preset.sftSteps(), preset.lr())));
        s.add(new Stage("(d) RL (Deliberative Alignment): judge reward on the answer only", "deliberative", 1, this::rl));
        s.add(new Stage("(e) SaRO reasoning warmup (shortest rejection sampling)", "saro-rw", 2.2, () ->
                sft("saro-rw", "base", "data/saro-rw/sft.jsonl", preset.sftSteps(), preset.lr())));
        s.add(new Stage("(e) SaRO SRPO: DPO on OP-COT + PP-COT", "saro", 1.6, () ->
                dpo("saro", "saro-rw", "data/saro-prefs")));
        s.add(new Stage("Evaluate the five students (and two first stages) on held-out SpecWorld prompts", "eval", 2.7, this::evaluate));
        s.add(new Stage("Report: " + REPORT, null, 0.05, this::report));
        return s;
    }

    /** The checkpoint each method is evaluated from. */
    static String checkpointOf(Method m) {
        return switch (m) {
            case NONE -> "base";
            case DIRECT_SFT -> "direct-sft";
            case DIRECT_DPO -> "direct-dpo";
            case DELIBERATIVE_SFT -> "da-sft";
            case DELIBERATIVE -> "deliberative";
            case SARO_RW -> "saro-rw";
            case SARO -> "saro";
        };
    }

    // ---- stage 1: data -------------------------------------------------------------------------------------------

    private List<LabelledPrompt> train() {
        return world().train();
    }

    private SpecWorld.World world() {
        if (world == null) world = SpecWorld.builtin().generate(new SpecWorld.Config(seed, preset.perCell(), preset.generalPerKind(), 0.25));
        return world;
    }

    /** The safety training mix: a fifth general tasks, a fifth of the safety prompts wrapped in a seen attack family. */
    private List<LabelledPrompt> safetyMix(double generalFraction) {
        return PromptMix.select(train(), generalFraction, 0.2, Attacks.seen(Attacks.builtin()), seed, preset.safetyPrompts());
    }

    private void data() {
        var teacher = ChatModels.global().open("world:teacher?error=0.25&verbosity=0.5", ChatModels.OpenOptions.defaults().withNoCache());
        GenerationConfig gc = new GenerationConfig(new SpecContextSampler.Settings(preset.k(), 1, 1.0, 2048), 0.9, seed, 2);
        try {
            Path worldDir = out.resolve("data/world");
            if (!Files.isRegularFile(worldDir.resolve(WorldData.MANIFEST))) WorldData.write(worldDir, world());
            List<LabelledPrompt> general = train().stream().filter(LabelledPrompt::isGeneral).toList();
            generate("general", () -> DeliberativeDataGenerator.run(gc, spec, teacher, judge, general, out.resolve("data/general"), listener));
            generate("deliberative", () -> DeliberativeDataGenerator.run(gc, spec, teacher, judge, safetyMix(0.2), out.resolve("data/deliberative"), listener));
            generate("saro-rw", () -> ReasoningWarmupGenerator.run(gc, spec, teacher, judge, safetyMix(0.2), out.resolve("data/saro-rw"), listener));
            var pc = new PreferenceDataGenerator.Config(gc, true, true, 0.25, 0.1);
            generate("saro-prefs", () -> PreferenceDataGenerator.run(pc, spec, teacher, judge, safetyMix(0), out.resolve("data/saro-prefs"), listener));

            Path direct = out.resolve("data/direct-refusal"), answer = out.resolve("data/answer-dpo");
            var sft = DirectRefusalData.fromReasoningData(Jsonl.read(out.resolve("data/deliberative/sft.jsonl"), SftRecord.class));
            Jsonl.write(direct.resolve("sft.jsonl"), sft);
            writeSummary(direct, Map.of("records", sft.size(), "from", "data/deliberative/sft.jsonl (CoT removed)"));
            int pairs = 0;
            for (String f : List.of(PreferenceDataGenerator.TRAIN, PreferenceDataGenerator.VAL)) {
                Path src = out.resolve("data/saro-prefs").resolve(f);
                var recs = AnswerOnlyPreferences.fromOutputLevelPairs(Files.exists(src) ? Jsonl.read(src, PreferenceRecord.class) : List.of());
                Jsonl.write(answer.resolve(f), recs);
                pairs += recs.size();
            }
            writeSummary(answer, Map.of("records", pairs, "from", "data/saro-prefs output-level pairs (CoT removed)"));
            corpus();
            writeSummary(out.resolve("data"), Map.of("datasets", List.of("general", "deliberative", "saro-rw", "saro-prefs", "direct-refusal", "answer-dpo")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            teacher.close();
        }
    }

    /**
     * The base model's corpus ({@code data/corpus}: documents and chat exchanges that state what every topic of both
     * splits is, the world's facts and practice of every attack's transformation; no safety content) and the validation
     * sets: the clean teacher on held-out test-split prompts (with and without the CoT), so each SFT stage's curve shows
     * its loss on the test distribution.
     */
    private void corpus() throws IOException {
        Path dir = out.resolve("data/corpus");
        var c = SpecWorldCorpus.pretraining(SpecWorld.builtin().lexicon(), seed, preset.practicePerTransformation());
        Jsonl.write(dir.resolve(CORPUS_DOCUMENTS), c.documents().stream().map(d -> Map.of("text", d)).toList());
        Jsonl.write(dir.resolve(CORPUS_CHAT), c.conversations());
        var clean = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
        var test = world().test();
        int n = Math.min(test.size(), Math.max(8, preset.evalPrompts() / 2));
        var val = new ArrayList<LabelledPrompt>();
        for (int i = 0; i < n; i++) val.add(test.get((int) ((long) i * test.size() / n)));
        var withCot = SpecWorldCorpus.reasoningConversations(val, clean, spec);
        Jsonl.write(dir.resolve(VAL_COT), withCot);
        Jsonl.write(dir.resolve(VAL_ANSWER), DirectRefusalData.fromReasoningData(withCot));
        var general = new ArrayList<>(SpecWorldCorpus.generalConversations(test, clean, spec));
        general.addAll(SpecWorldCorpus.decodingChecks(SpecWorld.builtin().lexicon(), seed, 10).stream().map(SpecWorldCorpus.DecodingTask::asRecord).toList());
        Jsonl.write(dir.resolve(VAL_GENERAL), general);
        writeSummary(dir, Map.of("documents", c.documents().size(), "conversations", c.conversations().size(),
                "val_cot", withCot.size(), "val_general", general.size()));
    }

    private void generate(String name, Supplier<dev.deliberate.align.data.GenerationSummary> run) {
        var s = run.get();
        listener.line(String.format(java.util.Locale.ROOT, "  %-13s %5d prompts, %5d kept", name, s.prompts(), s.kept()));
    }

    // ---- stage 2: tokenizer --------------------------------------------------------------------------------------

    private void tokenizer() {
        var corpus = new ArrayList<String>();
        for (var p : world().train()) corpus.add(p.prompt());
        for (String f : List.of("general", "deliberative", "saro-rw"))
            for (SftRecord r : Jsonl.read(out.resolve("data").resolve(f).resolve("sft.jsonl"), SftRecord.class))
                for (Turn t : r.messages()) corpus.add(t.content());
        for (var d : Jsonl.readTrees(out.resolve("data/corpus").resolve(CORPUS_DOCUMENTS))) corpus.add(d.path("text").asText());
        for (SftRecord r : Jsonl.read(out.resolve("data/corpus").resolve(CORPUS_CHAT), SftRecord.class))
            for (Turn t : r.messages()) corpus.add(t.content());
        Path dir = out.resolve("tokenizer");
        try (HfTokenizer tok = BpeTrainer.trainAndLoad(corpus, new BpeTrainer.Config(preset.vocab()), dir)) {
            writeSummary(dir, Map.of("vocab_size", tok.vocabSize(), "corpus_texts", corpus.size()));
        }
    }

    // ---- stages 3-9: training ------------------------------------------------------------------------------------

    private record Student(Transformer model, HfTokenizer tokenizer, ChatExamples examples) implements AutoCloseable {
        @Override
        public void close() {
            tokenizer.close();
        }
    }

    /** The tokenizer, and the model from a stage's checkpoint ({@code from}) or freshly initialised (null). */
    private Student load(String from) {
        Path tokDir = out.resolve("tokenizer");
        HfTokenizer tok = HfTokenizer.load(tokDir);
        var examples = new ChatExamples(tok, tok.chatTemplate().orElseThrow(() -> new IllegalStateException(tokDir + " has no chat template")), preset.maxSeq());
        try {
            Transformer m;
            if (from == null) {
                var cfg = ModelConfig.llama(preset.hidden(), preset.intermediate(), preset.layers(), preset.heads(), preset.heads(),
                        tok.vocabSize(), preset.maxSeq()).withTiedEmbeddings(true);
                m = new Transformer(ModelPresets.withEos(cfg, List.of(tok.specialTokens().eos())), new CpuBackend());
                m.initialize(seed);
            } else m = Checkpoint.load(out.resolve(from).resolve(CHECKPOINT), new CpuBackend());
            return new Student(m, tok, examples);
        } catch (IOException e) {
            tok.close();
            throw new UncheckedIOException("cannot load the student from " + out.resolve(from) + ": " + e.getMessage(), e);
        }
    }

    /** The same budget for every stage of a kind: steps, batch, learning rate; state saved for a mid-stage resume. */
    private TrainConfig trainConfig(String stage, int steps, int batch, double lr) {
        return new TrainConfig(1, steps, batch, Math.max(1, batch / 2), lr, 0.1, 0.1, 0.0, 1.0, seed * 31 + stage.hashCode(),
                Math.max(1, steps / 5), Math.max(10, steps / 4));
    }

    private TrainLoop.Options loop(Path dir, MetricsLog log, String name) {
        return new TrainLoop.Options(dir.resolve("state"), log, (done, total, line) -> listener.progress("train " + name, done, total));
    }

    /** The stage's log, cut back to the step its saved state resumes from (a fresh log when there is none). */
    private static MetricsLog metrics(Path dir) {
        return MetricsLog.open(dir.resolve("metrics.jsonl"), TrainState.savedStep(dir.resolve("state")));
    }

    private void finish(Student s, Path dir, TrainLoop.Summary sum, Map<String, Object> more) {
        try {
            Checkpoint.save(s.model(), dir.resolve(CHECKPOINT), new Checkpoint.Options(out.resolve("tokenizer"), Checkpoint.DEFAULT_SHARD_BYTES, Safetensors.DType.F32, null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the checkpoint in " + dir + ": " + e.getMessage(), e);
        }
        var m = new LinkedHashMap<String, Object>(more);
        m.put("steps", sum.steps());
        m.put("resumed_from", sum.resumedFrom());
        m.put("final_loss", sum.finalLoss());
        m.put("mean_tokens_per_second", sum.meanTokensPerSecond());
        m.put("eval", sum.lastEval());
        writeSummary(dir, m);
    }

    private void sft(String name, String from, String data, int steps, double lr) {
        Path dir = out.resolve(name);
        try (Student s = load(from); MetricsLog log = metrics(dir)) {
            var records = new ArrayList<>(Jsonl.read(out.resolve(data), SftRecord.class));
            if (from == null) records.addAll(Jsonl.read(out.resolve("data/corpus").resolve(CORPUS_CHAT), SftRecord.class));
            var all = new ArrayList<>(records.stream().map(s.examples()::sft).toList());
            if (from == null) // the corpus's documents: every token learned, as pretraining does
                for (var d : Jsonl.readTrees(out.resolve("data/corpus").resolve(CORPUS_DOCUMENTS)))
                    all.add(s.examples().document(d.path("text").asText()));
            String valFile = from == null ? VAL_GENERAL : data.contains("direct-refusal") ? VAL_ANSWER : VAL_COT;
            var val = s.examples().sft(Jsonl.read(out.resolve("data/corpus").resolve(valFile), SftRecord.class));
            int cut = (int) all.stream().filter(e -> e.length() >= preset.maxSeq()).count();
            var examples = all.stream().filter(e -> e.targets() > 0).toList();
            listener.line(lengths(examples.stream().mapToInt(TokenizedExample::length).toArray(), cut, "examples"));
            var cfg = trainConfig(name, steps, preset.batch(), lr);
            writeConfig(dir, from == null ? "pretrain" : "sft", Map.of("from", from == null ? "scratch" : from, "data", data, "steps", steps, "lr", lr, "batch", preset.batch()));
            var sum = SftTrainer.train(cfg, s.model(), examples, val, loop(dir, log, name));
            finish(s, dir, sum, Map.of("examples", examples.size(), "truncated", cut, "val_examples", val.size(), "val", "data/corpus/" + valFile));
        }
    }

    private void dpo(String name, String from, String data) {
        Path dir = out.resolve(name);
        try (Student s = load(from); MetricsLog log = metrics(dir)) {
            var train = s.examples().preferences(read(out.resolve(data).resolve(PreferenceDataGenerator.TRAIN)));
            var val = s.examples().preferences(read(out.resolve(data).resolve(PreferenceDataGenerator.VAL)));
            listener.line(lengths(train.stream().mapToInt(PreferenceExample::length).toArray(), 0, "pairs"));
            var cfg = trainConfig(name, preset.prefSteps(), preset.batch(), preset.prefLr());
            writeConfig(dir, "dpo", Map.of("from", from, "data", data, "steps", preset.prefSteps(), "lr", preset.prefLr(), "beta", preset.dpoBeta(), "batch", preset.batch()));
            var sum = DpoTrainer.train(cfg, DpoLoss.standard(preset.dpoBeta()), s.model(), train, val, loop(dir, log, name));
            finish(s, dir, sum, Map.of("pairs", train.size(), "val_pairs", val.size()));
        }
    }

    /** "  312 examples, tokens: median 180, longest 301 (4 cut at the 320-token context)". */
    private String lengths(int[] lengths, int cut, String what) {
        int[] l = lengths.clone();
        java.util.Arrays.sort(l);
        String stats = l.length == 0 ? "" : String.format(java.util.Locale.ROOT, ", tokens: median %d, longest %d", l[l.length / 2], l[l.length - 1]);
        return String.format(java.util.Locale.ROOT, "  %d %s%s (%d cut at the %d-token context)", l.length, what, stats, cut, preset.maxSeq());
    }

    private static List<PreferenceRecord> read(Path file) {
        return Files.exists(file) ? Jsonl.read(file, PreferenceRecord.class) : List.of();
    }

    /** Deliberative Alignment's RL: GRPO on the safety mix, reward from the world judge seeing the answer only. */
    private void rl() {
        String name = "deliberative";
        Path dir = out.resolve(name);
        try (Student s = load("da-sft"); MetricsLog log = metrics(dir); Student ref = load("da-sft")) {
            var prompts = safetyMix(0.2);
            var tok = s.tokenizer();
            int promptsPerStep = Math.max(1, preset.batch() / preset.rlGroup());
            var sampling = new dev.deliberate.engine.generate.SamplingParams(1.0, 0, 1, preset.evalMaxTokens(), seed,
                    List.of(tok.specialTokens().eos()), List.of());
            var settings = new RlTrainer.Settings(preset.rlGroup(), sampling, new GrpoLoss(0.2, 0.04));
            var cfg = trainConfig(name, preset.prefSteps(), promptsPerStep, preset.prefLr());
            writeConfig(dir, "rl", Map.of("from", "da-sft", "steps", preset.prefSteps(), "lr", preset.prefLr(), "group", preset.rlGroup(),
                    "prompts_per_step", promptsPerStep, "judge", judge.id(), "judge_visibility", "answer-only", "kl_beta", 0.04, "clip", 0.2));
            var sum = RlTrainer.train(cfg, settings, s.model(), ref.model(), prompts, List.of(),
                    p -> s.examples().prompt(List.of(new Turn("user", p.prompt()))), new JudgeReward(judge, tok),
                    (ids, len) -> tok.decode(java.util.Arrays.copyOf(ids, len), false), loop(dir, log, name));
            finish(s, dir, sum, Map.of("prompts", prompts.size()));
        }
    }

    // ---- stage 10-11: evaluation and report ----------------------------------------------------------------------

    /** Test prompts spread evenly over the split (so every category and intent keeps its share). */
    private List<LabelledPrompt> testPrompts() {
        var test = world().test();
        int n = Math.min(preset.evalPrompts(), test.size());
        var out = new ArrayList<LabelledPrompt>(n);
        for (int i = 0; i < n; i++) out.add(test.get((int) ((long) i * test.size() / n)));
        return out;
    }

    private void evaluate() {
        var bench = new EvalBenchmark.World(EvalBenchmark.SPECWORLD_TEST, spec, testPrompts());
        for (Method m : Method.values()) {
            Path dir = out.resolve("eval").resolve(m.label);
            if (Files.isRegularFile(dir.resolve(EvalRunner.METRICS))) continue;
            listener.line("  evaluating " + m.title + " (" + checkpointOf(m) + ")");
            var local = LocalChatModel.open(out.resolve(checkpointOf(m)).resolve(CHECKPOINT));
            try (ChatModel model = new BatchingChatModel(local, LocalChatModel.MAX_BATCH_SLOTS); var embedder = HiddenStateEmbedder.middle(local.checkpoint())) {
                var cfg = EvalConfig.of(m.label, List.of(bench)).withAttacks("none,seen,held-out")
                        .withSampling(1, 0, preset.evalMaxTokens(), seed).withThreads(32);
                var bar = new EvalRunner.Listener() {
                    int total, done;

                    @Override
                    public void planned(int cells, int alreadyDone) {
                        total = cells;
                        done = alreadyDone;
                        listener.progress("eval " + m.label, done, total);
                    }

                    @Override
                    public synchronized void cellDone() {
                        listener.progress("eval " + m.label, ++done, total);
                    }
                };
                EvalRunner.run(cfg, model, EvalJudges.world(judge), dir, embedder, bar);
            }
        }
        decodingDiagnostic();
        writeSummary(out.resolve("eval"), Map.of("methods", List.of(Method.values()).stream().map(x -> x.label).toList(), "prompts", testPrompts().size()));
    }

    /**
     * Learnability: can the base model (no safety training) decode the held-out attacks' encodings on benign sentences
     * it never practised? Exact match of the answer, per family, in {@code eval/decoding.json}.
     */
    private void decodingDiagnostic() {
        Path file = out.resolve("eval").resolve(DECODING);
        if (Files.isRegularFile(file)) return;
        var tasks = SpecWorldCorpus.decodingChecks(SpecWorld.builtin().lexicon(), seed + 1, preset.decodingChecks());
        var local = LocalChatModel.open(out.resolve(checkpointOf(Method.NONE)).resolve(CHECKPOINT));
        var exact = new LinkedHashMap<String, int[]>();
        var examples = new ArrayList<Map<String, Object>>();
        try (ChatModel model = new BatchingChatModel(local, LocalChatModel.MAX_BATCH_SLOTS)) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
            try {
                var futures = new ArrayList<java.util.concurrent.Future<String>>();
                for (var t : tasks)
                    futures.add(pool.submit(() -> model.chat(List.of(dev.deliberate.align.llm.Message.user(t.prompt())),
                            dev.deliberate.align.llm.SamplingParams.greedy(96).withSeed(seed)).getFirst().answer().strip()));
                for (int i = 0; i < tasks.size(); i++) {
                    var t = tasks.get(i);
                    String got = futures.get(i).get();
                    boolean ok = got.equals(t.gold());
                    int[] c = exact.computeIfAbsent(t.family(), k -> new int[2]);
                    c[0] += ok ? 1 : 0;
                    c[1]++;
                    if (examples.size() < 12) examples.add(Map.of("family", t.family(), "prompt", t.prompt(), "gold", t.gold(), "answer", got, "exact", ok));
                }
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("decoding check failed: " + e.getMessage(), e);
            } finally {
                pool.shutdownNow();
            }
        }
        var byFamily = new LinkedHashMap<String, Object>();
        int ok = 0, n = 0;
        for (var e : exact.entrySet()) {
            byFamily.put(e.getKey(), Map.of("exact", (double) e.getValue()[0] / e.getValue()[1], "n", e.getValue()[1]));
            ok += e.getValue()[0];
            n += e.getValue()[1];
        }
        double all = n == 0 ? 0 : (double) ok / n;
        write(file, Jsonl.MAPPER.valueToTree(Map.of("model", checkpointOf(Method.NONE), "exact", all, "n", n, "by_family", byFamily, "examples", examples)));
        listener.line(String.format(java.util.Locale.ROOT, "  base model, held-out decoding (exact): %.1f%% of %d %s", 100 * all, n, byFamily));
    }

    private void report() {
        var roots = new ArrayList<Path>();
        for (Method m : Method.values()) roots.add(out.resolve("eval").resolve(m.label));
        for (String t : List.of("base", "direct-sft", "direct-dpo", "da-sft", "deliberative", "saro-rw", "saro")) roots.add(out.resolve(t));
        var w = ReportWriter.write(roots, out.resolve(REPORT));
        w.notes().forEach(n -> listener.line("  note: " + n));
    }

    // ---- files ---------------------------------------------------------------------------------------------------

    private void checkManifest() {
        Path f = out.resolve(MANIFEST);
        ObjectNode want = Jsonl.MAPPER.createObjectNode().put("preset", preset.name()).put("seed", seed);
        try {
            Files.createDirectories(out);
            if (Files.isRegularFile(f)) {
                JsonNode have = Jsonl.MAPPER.readTree(f.toFile());
                if (!have.path("preset").asText().equals(preset.name()) || have.path("seed").asLong() != seed)
                    throw new IllegalArgumentException(out + " holds a demo with preset " + have.path("preset").asText() + " and seed " + have.path("seed").asLong()
                            + "; rerun with those to resume it, or choose another --out");
                if (!have.path("sizes").equals(Jsonl.MAPPER.valueToTree(preset)))
                    throw new IllegalArgumentException(out + " holds a demo made with other sizes for preset " + preset.name()
                            + " (an older version of it); choose another --out, or delete the folder to start over");
                return;
            }
            ObjectNode m = want.deepCopy();
            m.put("started", Instant.now().toString());
            m.set("sizes", Jsonl.MAPPER.valueToTree(preset));
            AtomicFiles.writeString(f, Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + f + ": " + e.getMessage(), e);
        }
    }

    private void writeTimes(List<StageTime> times, double total) {
        try {
            ObjectNode n = (ObjectNode) Jsonl.MAPPER.readTree(out.resolve(MANIFEST).toFile());
            var arr = n.putArray("last_run_stages");
            for (StageTime t : times) arr.addObject().put("stage", t.stage()).put("seconds", Math.round(t.seconds() * 10) / 10.0).put("skipped", t.skipped());
            n.put("last_run_seconds", Math.round(total * 10) / 10.0);
            AtomicFiles.writeString(out.resolve(MANIFEST), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeConfig(Path dir, String command, Map<String, Object> values) {
        var n = Jsonl.MAPPER.createObjectNode();
        n.put("command", "demo " + command).put("preset", preset.name()).put("seed", seed).put("started", Instant.now().toString());
        n.put("label", dir.getFileName() + " (" + command + ")"); // apart from the evaluation folder of the same method
        values.forEach((k, v) -> n.set(k, Jsonl.MAPPER.valueToTree(v)));
        write(dir.resolve("config.json"), n);
    }

    private static void writeSummary(Path dir, Map<String, ?> values) {
        write(dir.resolve(SUMMARY), Jsonl.MAPPER.valueToTree(values));
    }

    private static void write(Path file, JsonNode n) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.writeString(file, Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

}
