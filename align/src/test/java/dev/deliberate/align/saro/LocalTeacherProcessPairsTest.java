package dev.deliberate.align.saro;

import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.judge.WorldJudge;
import dev.deliberate.align.llm.LocalChatModel;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.spec.Style;
import dev.deliberate.align.training.ChatExamples;
import dev.deliberate.align.world.Course;
import dev.deliberate.align.world.Deliberation;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.ModelPresets;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.BpeTrainer;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import dev.deliberate.engine.tokenizer.Reasoning;
import dev.deliberate.engine.train.SftTrainer;
import dev.deliberate.engine.train.TrainConfig;
import dev.deliberate.engine.train.TrainLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * PP-COT with a local checkpoint as the teacher, end to end: a small student is trained on SpecWorld chains that drift
 * from step 1 and on the same chains catching themselves at every later step ({@code Wait, …}); then each drifting
 * chain is branched by the checkpoint itself, which continues the prefix and the opening of a reflection inside its
 * own think block ({@link ContinuationBrancher} over {@link LocalChatModel#continueReasoning}); SpecWorld's judge must
 * accept the continuation and reject the drift, and every pair records its branch step.
 */
@Timeout(300)
class LocalTeacherProcessPairsTest {

    @Test
    void aLocalCheckpointBranchesItsOwnDriftingChainsIntoJudgedProcessPairs(@TempDir Path tmp) throws Exception {
        var world = SpecWorld.builtin();
        var teacher = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN);
        List<LabelledPrompt> harmful = world.generate(new SpecWorld.Config(8, 2, 2, 0.25)).train().stream()
                .filter(p -> !p.isGeneral() && p.style() != Style.COMPLY).limit(2).toList();
        assertEquals(2, harmful.size());
        long seed = 7;
        var judge = WorldJudge.builtin();
        var prompts = new SpecContextSampler(world.spec(), teacher, judge, new SpecContextSampler.Settings(1, 1, 0.0, 400)); // the spec-augmented teacher prompt
        var drifting = new ArrayList<Deliberation>();
        var records = new ArrayList<SftRecord>();
        var texts = new ArrayList<String>();
        for (LabelledPrompt p : harmful) {
            List<Message> conv = prompts.teacherPrompt(p);
            Deliberation d = teacher.deliberate(conv, seed, Course.drift(1));
            assertTrue(d.steps().size() >= 3, d.steps().toString());
            drifting.add(d);
            var chains = new ArrayList<Deliberation>(List.of(d, d)); // the drift, twice: what the checkpoint says unprompted
            for (int b = 1; b < d.steps().size(); b++) {
                Deliberation r = teacher.deliberate(conv, seed, Course.reflect(1, b));
                assertEquals(d.steps().subList(0, b), r.steps().subList(0, b), "a reflecting course shares the drift up to its reflection");
                chains.add(r);
            }
            for (Deliberation c : chains) {
                String text = Reasoning.join(c.reasoning(), c.answer());
                var turns = new ArrayList<>(Turn.of(conv));
                turns.add(new Turn("assistant", text));
                records.add(new SftRecord(turns, Map.of()));
                conv.forEach(m -> texts.add(m.content()));
                texts.add(text);
            }
        }
        HfTokenizer tok = BpeTrainer.trainAndLoad(texts, new BpeTrainer.Config(2000), tmp.resolve("tok"));
        var examples = new ChatExamples(tok, tok.chatTemplate().orElseThrow(), 2048);
        var cfg = ModelPresets.withEos(ModelConfig.llama(64, 128, 2, 4, 2, tok.vocabSize(), 2048), List.of(tok.specialTokens().eos()));
        var student = new Transformer(cfg, new CpuBackend());
        student.initialize(3);
        var train = examples.sft(records);
        assertEquals(records.size(), train.size(), "no chain truncated away");
        System.out.println("tokens per example: " + train.stream().mapToInt(e -> e.ids().length).summaryStatistics());
        SftTrainer.train(TrainConfig.defaults(5e-3).withSteps(0, 150).withBatch(8, 4).withWarmup(0.05, 0.1), student, train, List.of(),
                TrainLoop.Options.inMemory(l -> {}));
        assertTrue(SftTrainer.meanLoss(student, train, 4) < 0.15, "the student memorised the chains");
        Path dir = tmp.resolve("teacher");
        Checkpoint.save(student, dir);
        try (var files = Files.list(tmp.resolve("tok"))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }

        int pairs = 0;
        try (var local = LocalChatModel.open(dir)) {
            assertTrue(local.continuesReasoning());
            var sampler = new SpecContextSampler(world.spec(), local, judge, new SpecContextSampler.Settings(1, 1, 0.0, 400));
            var builder = new ProcessPreferenceBuilder(sampler);
            for (int i = 0; i < harmful.size(); i++) {
                LabelledPrompt p = harmful.get(i);
                Deliberation d = drifting.get(i);
                for (long s = 0; s < 3; s++) {
                    var brancher = new ContinuationBrancher(local, prompts.teacherPrompt(p), d.completion(), SamplingParams.greedy(400));
                    assertEquals("prefix-continuation", brancher.method());
                    var r = builder.build(p, brancher, false, s);
                    if (r.pair().isEmpty()) {
                        System.out.println(p.id() + " seed " + s + ": " + r.reason());
                        continue;
                    }
                    var pair = r.pair().get();
                    int b = pair.branchStep();
                    assertEquals(ProcessPreferenceBuilder.branchStep(d.steps().size(), s), b, "the branch step is the one the seed picks");
                    var chosen = Deliberation.steps(pair.chosen().completion().reasoning());
                    assertEquals(d.steps().subList(0, b), chosen.subList(0, b), "the chosen chain keeps the prefix exactly");
                    assertTrue(chosen.get(b).startsWith(ContinuationBrancher.REFLECTION), chosen.get(b));
                    assertEquals(d.reasoning(), pair.rejected().completion().reasoning(), "the rejected side is the drifting chain as sampled");
                    assertTrue(pair.chosen().accepted() && !pair.rejected().accepted());
                    pairs++;
                }
            }
        }
        assertTrue(pairs >= 4, "process pairs from the local teacher's own continuations: " + pairs + " of 6");
    }
}
