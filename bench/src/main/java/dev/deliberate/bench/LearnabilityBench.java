package dev.deliberate.bench;

import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.demo.DemoPreset;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.LocalChatModel;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.training.ChatExamples;
import dev.deliberate.align.training.SpecWorldCorpus;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.Lexicon;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.io.Safetensors;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.ModelPresets;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.BpeTrainer;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import dev.deliberate.engine.train.SftTrainer;
import dev.deliberate.engine.train.TokenizedExample;
import dev.deliberate.engine.train.TrainConfig;
import dev.deliberate.engine.train.TrainLoop;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * SpecWorld learnability against training budget: the demo's base student (no safety training) pretrained from
 * scratch on the demo's base corpus (SpecWorld knowledge documents, transformation practice, train-split general tasks
 * and worked general practice answered by the clean scripted teacher, the helpful-only exchanges), trained once for the
 * largest budget and evaluated at checkpoints on the way:
 * train-split and held-out general-task accuracy (the world judge's correctness rule, on answers generated under the
 * demo's evaluation cap, so that a worked CoT has room to reach its answer), held-out decoding exact match
 * per family, and mean loss on a train sample and on the demo's validation set. The schedule is the one for the
 * largest budget (warm-up then cosine), so an earlier checkpoint is mid-schedule, not a run sized to end there.
 */
public final class LearnabilityBench {
    private LearnabilityBench() {}

    /**
     * @param preset      the demo preset whose data sizes, context, batch and learning rate are used
     * @param hidden      student width (the preset's when 0); intermediate scales with it as in the preset
     * @param checkpoints steps to evaluate at; the largest is the training budget
     */
    public record Config(DemoPreset preset, long seed, int hidden, int layers, List<Integer> checkpoints, int generalEval,
                         int decodingPerFamily, Path out) {
        public Config {
            if (checkpoints.isEmpty() || checkpoints.stream().anyMatch(s -> s < 1))
                throw new IllegalArgumentException("checkpoints must be positive steps, got " + checkpoints);
            checkpoints = List.copyOf(new TreeSet<>(checkpoints));
            if (generalEval < 1 || decodingPerFamily < 1) throw new IllegalArgumentException("eval sizes must be >= 1");
        }
    }

    /**
     * One checkpoint's measurements. {@code heldOutEntityTrainForm}: the held-out countries' facts asked in the train
     * split's question forms; {@code trainEntityHeldOutForm}: the train countries' facts in the held-out forms (both
     * plain, without the splits' openers and closers) — which of the two a held-out fact question fails on.
     */
    public record Point(int step, double trainGeneral, int trainGeneralN, double testGeneral, int testGeneralN,
                        Map<String, Double> testGeneralByKind, double heldOutEntityTrainForm, double trainEntityHeldOutForm,
                        Map<String, Double> trainDecoding, Map<String, Double> decoding, int decodingPerFamily,
                        double trainLoss, double valLoss, double trainSeconds, List<Map<String, String>> examples) {}

    /** A country fact asked with a template of the split {@code formSplit} about the countries of {@code entitySplit}. */
    record FactQuestion(String prompt, String gold) {}

    static List<FactQuestion> factQuestions(Lexicon.General g, String formSplit, String entitySplit) {
        var out = new ArrayList<FactQuestion>();
        for (var f : g.facts().of(entitySplit))
            for (String kind : List.of("fact-capital", "fact-export"))
                for (String t : g.templates().get(kind).of(formSplit))
                    out.add(new FactQuestion(t.replace("{subject}", f.subject()), kind.equals("fact-capital") ? f.capital() : f.export()));
        return out;
    }

    /** A general task's kind: its topic for arithmetic and word problems, else a fact about a country. */
    static String kind(LabelledPrompt p) {
        return p.topic() != null && (p.topic().equals("arithmetic") || p.topic().equals("reasoning")) ? p.topic() : "facts";
    }

    public static List<Point> run(Config c, PrintStream log) throws IOException {
        DemoPreset p = c.preset();
        int hidden = c.hidden() > 0 ? c.hidden() : p.hidden();
        int layers = c.layers() > 0 ? c.layers() : p.layers();
        int intermediate = (int) Math.round((double) p.intermediate() * hidden / p.hidden() / 16) * 16;
        Files.createDirectories(c.out());

        var sw = SpecWorld.builtin();
        var spec = sw.spec();
        var world = sw.generate(new SpecWorld.Config(c.seed(), p.perCell(), p.generalPerKind(), 0.25));
        var clean = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
        var corpus = SpecWorldCorpus.pretraining(sw.lexicon(), c.seed(), p.practicePerTransformation());
        var general = new ArrayList<>(SpecWorldCorpus.generalConversations(world.train(), clean, spec));
        var practice = SpecWorldCorpus.generalPracticeConversations(sw.generalPractice(p.generalPractice(), c.seed()), clean, spec);
        general.addAll(practice); // as the demo's base stage trains on practice-general.jsonl
        var helpful = SpecWorldCorpus.helpfulOnly(world.train(), sw.lexicon(), spec, Attacks.seen(Attacks.builtin()), c.seed());
        general.addAll(helpful); // and helpful.jsonl

        // tokenizer: the train split's prompts and teacher completions, the corpus (as the demo's tokenizer stage)
        var texts = new ArrayList<>(SpecWorldCorpus.tokenizerTexts(world.train(), clean, spec));
        texts.addAll(corpus.documents());
        for (SftRecord r : corpus.conversations()) for (Turn t : r.messages()) texts.add(t.content());
        for (SftRecord r : practice) for (Turn t : r.messages()) texts.add(t.content());
        for (SftRecord r : helpful) for (Turn t : r.messages()) texts.add(t.content());
        Path tokDir = c.out().resolve("tokenizer");
        try (HfTokenizer tok = BpeTrainer.trainAndLoad(texts, new BpeTrainer.Config(p.vocab()), tokDir)) {
            var ex = new ChatExamples(tok, tok.chatTemplate().orElseThrow(), p.maxSeq());
            var records = new ArrayList<>(general);
            records.addAll(corpus.conversations());
            var all = new ArrayList<>(ex.sft(records));
            for (String d : corpus.documents()) all.add(ex.document(d));
            var train = all.stream().filter(e -> e.targets() > 0).toList();
            // the demo's validation set: held-out general tasks and 10 decoding checks per family (seed, not seed + 1)
            var valRecords = new ArrayList<>(SpecWorldCorpus.generalConversations(world.test(), clean, spec));
            for (var d : SpecWorldCorpus.decodingChecks(sw.lexicon(), c.seed(), 10)) valRecords.add(d.asRecord());
            var val = ex.sft(valRecords);
            var trainSample = spread(train, val.size());

            var cfg = ModelConfig.llama(hidden, intermediate, layers, p.heads(), p.heads(), tok.vocabSize(), p.maxSeq()).withTiedEmbeddings(true);
            var model = new Transformer(ModelPresets.withEos(cfg, List.of(tok.specialTokens().eos())), new CpuBackend());
            model.initialize(c.seed());
            int steps = c.checkpoints().getLast();
            var tc = new TrainConfig(1, steps, p.batch(), Math.max(1, p.batch() / 2), p.baseLr(), 0.1, 0.1, 0.0, 1.0,
                    c.seed() * 31 + "base".hashCode(), 0, 0);

            var trainGeneral = spread(world.train().stream().filter(LabelledPrompt::isGeneral).toList(), c.generalEval());
            var testGeneral = spread(world.test().stream().filter(LabelledPrompt::isGeneral).toList(), c.generalEval());
            var decoding = SpecWorldCorpus.decodingChecks(sw.lexicon(), c.seed() + 1, c.decodingPerFamily());
            var g = sw.lexicon().general();
            var cross = List.of(factQuestions(g, SpecWorld.TRAIN, SpecWorld.TEST), factQuestions(g, SpecWorld.TEST, SpecWorld.TRAIN));
            var practised = new ArrayList<SpecWorldCorpus.DecodingTask>(); // the same families' practice tasks, as trained on
            for (var t : SpecWorldCorpus.DECODING_CHECKS) {
                var of = corpus.conversations().stream().filter(r -> ("practice-" + t.family).equals(r.meta().get("kind"))).toList();
                for (var r : spread(of, c.decodingPerFamily()))
                    practised.add(new SpecWorldCorpus.DecodingTask(t.family, r.messages().getFirst().content(), r.messages().getLast().content()));
            }
            log.printf(Locale.ROOT, "learnability: hidden %d, intermediate %d, layers %d, heads %d, vocab %d; %d training examples, %d val; "
                            + "schedule for %d steps, batch %d, lr %.0e; eval %d train / %d held-out general, %d decoding%n",
                    hidden, intermediate, layers, p.heads(), tok.vocabSize(), train.size(), val.size(), steps, p.batch(), p.baseLr(),
                    trainGeneral.size(), testGeneral.size(), decoding.size());
            log.println("| step | train loss | val loss | general train | general held-out (by kind) | facts: held-out country, train form"
                    + " / train country, held-out form | " + String.join(" | ",
                    SpecWorldCorpus.DECODING_CHECKS.stream().map(t -> "decode " + t.family + " held-out (practised)").toList()) + " | train s |");
            log.println("|---|---|---|---|---|---|---|---|---|---|");

            var points = new ArrayList<Point>();
            var at = new TreeSet<>(c.checkpoints());
            long[] trainNanos = {0, System.nanoTime()};
            var opts = new TrainLoop.Options(null, m -> {}, (done, total, line) -> {
                if (!at.contains(done)) return;
                trainNanos[0] += System.nanoTime() - trainNanos[1];
                Point pt = evaluate(c, model, tokDir, done, trainSample, val, trainGeneral, testGeneral, cross, practised, decoding, p.batch(), trainNanos[0] / 1e9);
                points.add(pt);
                log.println(row(pt));
                append(c.out().resolve("points.jsonl"), pt);
                trainNanos[1] = System.nanoTime();
            });
            SftTrainer.train(tc, model, train, List.of(), opts);
            return points;
        }
    }

    private static Point evaluate(Config c, Transformer model, Path tokDir, int step, List<TokenizedExample> trainSample,
                                  List<TokenizedExample> val, List<LabelledPrompt> trainGeneral, List<LabelledPrompt> testGeneral,
                                  List<List<FactQuestion>> cross, List<SpecWorldCorpus.DecodingTask> practised, List<SpecWorldCorpus.DecodingTask> decoding,
                                  int batch, double trainSeconds) {
        int micro = Math.max(1, batch / 2);
        double trainLoss = SftTrainer.meanLoss(model, trainSample, micro), valLoss = SftTrainer.meanLoss(model, val, micro);
        Path dir = c.out().resolve("step-" + step);
        try {
            Checkpoint.save(model, dir, new Checkpoint.Options(tokDir, Checkpoint.DEFAULT_SHARD_BYTES, Safetensors.DType.F32, null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the checkpoint in " + dir + ": " + e.getMessage(), e);
        }
        try (var chat = LocalChatModel.open(dir)) {
            var examples = new ArrayList<Map<String, String>>();
            var byKind = new LinkedHashMap<String, int[]>();
            int cap = c.preset().evalMaxTokens(); // the demo's: a worked column sum is longer than 64 tokens
            double tr = accuracy(chat, trainGeneral, cap, c.seed(), null, null), te = accuracy(chat, testGeneral, cap, c.seed(), byKind, examples);
            var kinds = new LinkedHashMap<String, Double>();
            byKind.forEach((k, n) -> kinds.put(k, (double) n[0] / n[1]));
            double[] crossed = new double[cross.size()];
            for (int i = 0; i < crossed.length; i++) {
                var qs = cross.get(i);
                var got = answers(chat, qs.stream().map(FactQuestion::prompt).toList(), cap, c.seed());
                int right = 0;
                for (int j = 0; j < qs.size(); j++) right += WorldJudge.correct(got.get(j), qs.get(j).gold()) ? 1 : 0;
                crossed[i] = qs.isEmpty() ? Double.NaN : (double) right / qs.size();
            }
            var answers = answers(chat, decoding.stream().map(SpecWorldCorpus.DecodingTask::prompt).toList(), 96, c.seed());
            var dec = exact(decoding, answers);
            var trainDec = exact(practised, answers(chat, practised.stream().map(SpecWorldCorpus.DecodingTask::prompt).toList(), 96, c.seed()));
            for (int i = 0; i < decoding.size(); i += Math.max(1, c.decodingPerFamily()))
                examples.add(Map.of("kind", decoding.get(i).family(), "prompt", decoding.get(i).prompt(), "gold", decoding.get(i).gold(), "answer", answers.get(i)));
            return new Point(step, tr, trainGeneral.size(), te, testGeneral.size(), kinds, crossed[0], crossed[1], trainDec, dec, c.decodingPerFamily(), trainLoss, valLoss,
                    trainSeconds, examples);
        }
    }

    /** Exact-match share per family. */
    private static Map<String, Double> exact(List<SpecWorldCorpus.DecodingTask> tasks, List<String> answers) {
        var byFamily = new LinkedHashMap<String, int[]>();
        for (int i = 0; i < tasks.size(); i++) {
            int[] k = byFamily.computeIfAbsent(tasks.get(i).family(), f -> new int[2]);
            k[0] += answers.get(i).strip().equals(tasks.get(i).gold()) ? 1 : 0;
            k[1]++;
        }
        var out = new LinkedHashMap<String, Double>();
        byFamily.forEach((f, k) -> out.put(f, (double) k[0] / k[1]));
        return out;
    }

    /** Share answered right; per kind into {@code byKind} (right, asked) and two examples a kind, when given. */
    private static double accuracy(LocalChatModel chat, List<LabelledPrompt> tasks, int maxTokens, long seed, Map<String, int[]> byKind,
                                   List<Map<String, String>> examples) {
        var got = answers(chat, tasks.stream().map(LabelledPrompt::prompt).toList(), maxTokens, seed);
        int ok = 0;
        for (int i = 0; i < tasks.size(); i++) {
            var t = tasks.get(i);
            boolean right = WorldJudge.correct(got.get(i), t.gold());
            if (right) ok++;
            if (byKind == null) continue;
            int[] k = byKind.computeIfAbsent(kind(t), x -> new int[2]);
            if (k[1] < 2) examples.add(Map.of("kind", kind(t), "prompt", t.prompt(), "gold", t.gold(), "answer", got.get(i)));
            k[0] += right ? 1 : 0;
            k[1]++;
        }
        return tasks.isEmpty() ? Double.NaN : (double) ok / tasks.size();
    }

    private static List<String> answers(LocalChatModel chat, List<String> prompts, int maxTokens, long seed) {
        var reqs = prompts.stream().map(q -> new ChatRequest(List.of(Message.user(q)), SamplingParams.greedy(maxTokens).withSeed(seed))).toList();
        return chat.chatBatch(reqs).stream().map(cs -> cs.getFirst().answer()).toList();
    }

    /** Up to n items evenly spread over the list (all of them when it is shorter). */
    static <T> List<T> spread(List<T> items, int n) {
        if (items.size() <= n) return items;
        var out = new ArrayList<T>(n);
        for (int i = 0; i < n; i++) out.add(items.get((int) ((long) i * items.size() / n)));
        return out;
    }

    static String row(Point p) {
        var b = new StringBuilder(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.1f%% | %.1f%% (%s) |", p.step(), p.trainLoss(), p.valLoss(),
                100 * p.trainGeneral(), 100 * p.testGeneral(), String.join(", ", p.testGeneralByKind().entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%s %.0f%%", e.getKey(), 100 * e.getValue())).toList())));
        b.append(String.format(Locale.ROOT, " %.0f%% / %.0f%% |", 100 * p.heldOutEntityTrainForm(), 100 * p.trainEntityHeldOutForm()));
        for (var e : p.decoding().entrySet())
            b.append(String.format(Locale.ROOT, " %.1f%% (%.0f%%) |", 100 * e.getValue(), 100 * p.trainDecoding().getOrDefault(e.getKey(), Double.NaN)));
        return b.append(String.format(Locale.ROOT, " %.0f |", p.trainSeconds())).toString();
    }

    private static void append(Path file, Point p) {
        try {
            Files.writeString(file, dev.deliberate.align.io.Jsonl.MAPPER.writeValueAsString(p) + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
