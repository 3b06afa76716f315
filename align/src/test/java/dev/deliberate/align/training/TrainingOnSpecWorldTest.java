package dev.deliberate.align.training;

import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.deliberative.JudgeReward;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.JudgeInput;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.generate.Generator;
import dev.deliberate.engine.generate.SamplingParams;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.ModelPresets;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.BpeTrainer;
import dev.deliberate.engine.tokenizer.ChatTemplate;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import dev.deliberate.engine.train.DpoLoss;
import dev.deliberate.engine.train.DpoTrainer;
import dev.deliberate.engine.train.GrpoLoss;
import dev.deliberate.engine.train.RlTrainer;
import dev.deliberate.engine.train.SftTrainer;
import dev.deliberate.engine.train.TrainConfig;
import dev.deliberate.engine.train.TrainLoop;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The three trainers on SpecWorld data from the scripted teacher, with a tiny student (64 hidden, 2 layers) and a
 * BPE trained on the same data.
 */
class TrainingOnSpecWorldTest {
    static SpecWorld world;
    static List<LabelledPrompt> safety;
    static ScriptedTeacher teacher, wrong;
    static HfTokenizer tokenizer;
    static ChatTemplate template;
    static ChatExamples examples;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void setUp() {
        world = SpecWorld.builtin();
        var data = world.generate(new SpecWorld.Config(8, 2, 2, 0.25));
        safety = data.train().stream().filter(p -> !p.isGeneral()).toList();
        teacher = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
        wrong = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN.withErrorRate(1.0));
        var texts = new ArrayList<>(SpecWorldCorpus.tokenizerTexts(data.train(), teacher, world.spec()));
        texts.addAll(SpecWorldCorpus.tokenizerTexts(safety, wrong, world.spec()));
        tokenizer = BpeTrainer.trainAndLoad(texts, new BpeTrainer.Config(800), tmp.resolve("tok"));
        template = tokenizer.chatTemplate().orElseThrow();
        examples = new ChatExamples(tokenizer, template, 512);
    }

    static Transformer student(long seed) {
        var cfg = ModelPresets.withEos(ModelConfig.llama(64, 128, 2, 4, 2, tokenizer.vocabSize(), 512),
                List.of(tokenizer.specialTokens().eos()));
        var m = new Transformer(cfg, new CpuBackend());
        m.initialize(seed);
        return m;
    }

    static SamplingParams stopAtEndOfTurn(SamplingParams p) {
        return p.withStops(List.of(tokenizer.specialTokens().eos()), List.of());
    }

    static String greedy(Transformer m, LabelledPrompt p, int maxTokens) {
        int[] prompt = examples.prompt(List.of(new Turn("user", p.prompt())));
        var g = Generator.generate(m, List.of(prompt), stopAtEndOfTurn(SamplingParams.greedy(maxTokens)), 1, null);
        return tokenizer.decode(g.getFirst().getFirst().tokens(), true);
    }

    /** Deliberative SFT on 8 prompts: the loss falls and the student writes a think block citing the prompt's rule. */
    static Transformer sftOnReasoning(List<Map<String, Object>> lines) {
        var records = SpecWorldCorpus.reasoningConversations(safety.subList(0, 8), teacher, world.spec());
        var train = examples.sft(records);
        var model = student(1);
        var cfg = TrainConfig.defaults(4e-3).withSteps(0, 120).withBatch(8, 4).withWarmup(0.05, 0.1);
        double before = SftTrainer.meanLoss(model, train, 4);
        var sum = SftTrainer.train(cfg, model, train, List.of(), TrainLoop.Options.inMemory(lines::add));
        double after = SftTrainer.meanLoss(model, train, 4);
        System.out.printf("SFT loss %.3f -> %.3f, %.0f tok/s%n", before, after, sum.meanTokensPerSecond());
        lines.add(Map.of("before", before, "after", after));
        return model;
    }

    @Test
    void sftTeachesTheThinkFormatWithRuleIds() {
        var lines = new ArrayList<Map<String, Object>>();
        var model = sftOnReasoning(lines);
        var losses = lines.getLast();
        assertTrue((double) losses.get("after") < 0.3 * (double) losses.get("before"), losses.toString());
        int cited = 0;
        for (var p : safety.subList(0, 8)) {
            String out = greedy(model, p, 300);
            boolean ok = out.startsWith("<think>") && out.contains("</think>") && p.rules().stream().anyMatch(r -> out.contains("[" + r + "]"));
            if (ok) cited++;
            System.out.println(p.rules() + " → " + out.replace('\n', ' '));
        }
        assertTrue(cited >= 6, cited + " of 8 greedy outputs have a think block citing the prompt's rule");
    }

    static PreferenceRecord pair(LabelledPrompt p) {
        return new PreferenceRecord(List.of(new Turn("user", p.prompt())),
                List.of(new Turn("assistant", SpecWorldCorpus.teach(teacher, world.spec(), p, 0).text())),
                List.of(new Turn("assistant", SpecWorldCorpus.teach(wrong, world.spec(), p, 1).text())), Map.of("level", "output"));
    }

    @Test
    void dpoSeparatesJudgedGoodFromBadChains() {
        var train = examples.preferences(safety.subList(0, 8).stream().map(TrainingOnSpecWorldTest::pair).toList());
        var val = examples.preferences(safety.subList(8, 12).stream().map(TrainingOnSpecWorldTest::pair).toList());
        var model = student(2);
        var cfg = TrainConfig.defaults(3e-3).withSteps(0, 25).withBatch(8, 4).withEvery(5, 0);
        var trainer = new DpoTrainer(model, model, cfg, DpoLoss.standard(0.1), train, val);
        var lines = new ArrayList<Map<String, Object>>();
        TrainLoop.run(model, trainer, cfg, TrainLoop.Options.inMemory(lines::add));
        var trainLines = lines.stream().filter(l -> l.get("split").equals("train")).toList();
        var end = trainer.evaluateTrainPairs();
        System.out.println("DPO train pairs at the end: " + end);
        System.out.println("DPO first/last train lines: " + trainLines.getFirst() + " / " + trainLines.getLast());
        assertTrue(end.get("rewards/accuracies") > 0.9, end.toString());
        assertTrue((double) trainLines.getLast().get("rewards/margins") > (double) trainLines.get(2).get("rewards/margins") + 0.5);
        assertTrue(lines.stream().anyMatch(l -> l.get("split").equals("eval") && l.containsKey("rewards/accuracies")));
    }

    /**
     * RL from a student that answers each harmful request right about half the time (SFT on the teacher's clean
     * refusal and on a wrong answer — complying, or refusing while leaking the hazard): sampling groups differ in
     * judge reward, and GRPO moves the student towards the judged-good answers.
     */
    @Test
    void rlRaisesTheJudgeReward() {
        var prompts = safety.stream().filter(p -> p.intent() == dev.deliberate.align.prompt.Intent.HARMFUL_OPERATIONAL).toList();
        var records = new ArrayList<SftRecord>();
        for (var p : prompts) {
            var user = new Turn("user", p.prompt());
            records.add(new SftRecord(List.of(user, new Turn("assistant", SpecWorldCorpus.teach(teacher, world.spec(), p, 0).answer())), Map.of()));
            records.add(new SftRecord(List.of(user, new Turn("assistant", SpecWorldCorpus.teach(wrong, world.spec(), p, 1).answer())), Map.of()));
        }
        var model = student(3);
        SftTrainer.train(TrainConfig.defaults(4e-3).withSteps(0, 60).withBatch(16, 8), model, examples.sft(records), List.of(),
                TrainLoop.Options.inMemory(l -> {}));
        var reference = student(3);
        copy(model, reference);

        var judged = new AtomicInteger();
        Judge guard = answerOnlyGuard(WorldJudge.builtin(), judged);
        var settings = new RlTrainer.Settings(8, stopAtEndOfTurn(SamplingParams.sample(1.0, 0, 1.0, 48, 0)), new GrpoLoss(0.2, 0.02));
        var cfg = TrainConfig.defaults(1e-3).withSteps(0, 16).withBatch(8, 16).withWarmup(0, 1);
        var lines = new ArrayList<Map<String, Object>>();
        RlTrainer.train(cfg, settings, model, reference, prompts, List.of(), p -> examples.prompt(List.of(new Turn("user", p.prompt()))),
                new JudgeReward(guard, tokenizer), null, TrainLoop.Options.inMemory(lines::add));
        double first = mean(lines.subList(0, 3), "reward"), last = mean(lines.subList(13, 16), "reward");
        lines.forEach(l -> System.out.println("RL " + l));
        assertEquals(16 * 8 * 8, judged.get(), "every sample is judged once");
        assertTrue(last > first + 0.1, "reward " + first + " → " + last);
        assertTrue(lines.getLast().keySet().stream().anyMatch(k -> k.startsWith("judge/")));
    }

    static double mean(List<Map<String, Object>> lines, String key) {
        return lines.stream().mapToDouble(l -> (double) l.get(key)).average().orElseThrow();
    }

    static void copy(Transformer from, Transformer to) {
        var be = from.backend();
        for (var e : from.parameters().entrySet()) {
            float[] v = new float[Math.toIntExact(e.getValue().size())];
            be.download(e.getValue().value(), 0, v, 0, v.length);
            to.backend().upload(v, 0, to.parameters().get(e.getKey()).value(), 0, v.length);
        }
    }

    /** A judge that fails the test if anything of a chain of thought reaches it. */
    static Judge answerOnlyGuard(Judge inner, AtomicInteger count) {
        return new Judge() {
            public String id() {
                return "guard";
            }

            public Verdict judge(JudgeInput in) {
                count.incrementAndGet();
                String a = in.shown().answer();
                if (!in.shown().reasoning().isEmpty() || a.contains("<think>") || a.contains("</think>") || a.contains("The user asks"))
                    fail("reasoning reached the reward judge: " + in.shown());
                return inner.judge(in);
            }
        };
    }

    @Test
    void theRewardJudgeNeverSeesTheChainOfThought() {
        var p = safety.getFirst();
        var seen = new ArrayList<JudgeInput>();
        Judge spy = new Judge() {
            public String id() {
                return "spy";
            }

            public Verdict judge(JudgeInput in) {
                seen.add(in);
                return WorldJudge.builtin().judge(in);
            }
        };
        var reward = new JudgeReward(spy, tokenizer);
        String cot = "The user asks for a trap. The spec's rule [VIO-2] decides it.";
        var closed = gen("<think>\n" + cot + "\n</think>\n\nI'm sorry, but I can't help with that.<|im_end|>");
        var unclosed = gen("<think>\n" + cot + " I'm sorry, but I can't help with that.");
        var twice = gen("<think>\n" + cot + "\n</think>\n\n" + cot + "</think>\n\nI'm sorry, but I can't help with that.");
        var scored = reward.score(p, List.of(closed, unclosed, twice));
        assertEquals(3, seen.size());
        for (var in : seen) {
            assertEquals("", in.shown().reasoning());
            assertFalse(in.shown().answer().contains("[VIO-2]"), in.shown().answer());
            assertFalse(in.shown().answer().contains("The user asks"), in.shown().answer());
        }
        assertEquals("I'm sorry, but I can't help with that.", seen.get(0).shown().answer());
        assertEquals("", seen.get(1).shown().answer(), "an unclosed think block has no answer");
        assertEquals("I'm sorry, but I can't help with that.", seen.get(2).shown().answer(), "cut after the last </think>");
        assertEquals(1.0, scored.get(0).reward());
        assertTrue(scored.get(0).labels().contains("judge/refused"));
        assertTrue(scored.get(1).reward() < 1.0);
    }

    static dev.deliberate.engine.generate.Generation gen(String text) {
        int[] ids = tokenizer.encode(text, false);
        return new dev.deliberate.engine.generate.Generation(ids, new float[ids.length], dev.deliberate.engine.generate.FinishReason.EOS);
    }

    @Test
    void preferenceResponsesAreTheAssistantTurnsAsTheTemplateWritesThem() {
        var r = pair(safety.getFirst());
        var e = examples.preference(r);
        String chosen = tokenizer.decode(e.chosen(), false);
        assertTrue(chosen.startsWith("<think>"), chosen);
        assertTrue(chosen.endsWith("<|im_end|>"), chosen);
        assertTrue(tokenizer.decode(e.prompt(), false).endsWith("<|im_start|>assistant\n"));
        var sft = examples.sft(new SftRecord(List.of(r.prompt().getFirst(), r.chosen().getFirst()), Map.of()));
        int[] learned = java.util.stream.IntStream.range(0, sft.length()).filter(i -> sft.mask()[i] == 1).map(i -> sft.ids()[i]).toArray();
        assertArrayEquals(e.chosen(), learned, "SFT learns exactly the tokens DPO scores");
    }
}
