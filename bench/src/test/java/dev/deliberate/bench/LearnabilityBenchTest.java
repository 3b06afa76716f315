package dev.deliberate.bench;

import dev.deliberate.align.demo.DemoPreset;
import dev.deliberate.align.world.SpecWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Wiring only: one toy training evaluated at two checkpoints fills a row and a points.jsonl line for each. */
class LearnabilityBenchTest {
    @Test
    void evaluatesAtEveryCheckpoint(@TempDir Path dir) throws Exception {
        var bytes = new ByteArrayOutputStream();
        var points = LearnabilityBench.run(new LearnabilityBench.Config(DemoPreset.TEST, 1, 0, 0, List.of(4, 2), 3, 1, dir),
                new PrintStream(bytes, true));
        assertEquals(List.of(2, 4), points.stream().map(LearnabilityBench.Point::step).toList());
        for (var p : points) {
            assertEquals(3, p.trainGeneralN());
            assertEquals(List.of("rot13", "word-reversal", "pig-latin"), List.copyOf(p.decoding().keySet()));
            assertEquals(p.decoding().keySet(), p.trainDecoding().keySet());
            assertTrue(p.trainLoss() > 0 && p.valLoss() > 0 && p.testGeneral() >= 0 && p.testGeneral() <= 1, p.toString());
            assertTrue(p.heldOutEntityTrainForm() >= 0 && p.heldOutEntityTrainForm() <= 1, p.toString());
            assertTrue(p.trainEntityHeldOutForm() >= 0 && p.trainEntityHeldOutForm() <= 1, p.toString());
        }
        assertEquals(2, Files.readAllLines(dir.resolve("points.jsonl")).size());
        String out = bytes.toString();
        assertTrue(out.contains("| 2 |") && out.contains("| 4 |") && out.contains("decode pig-latin"), out);
    }

    @Test
    void crossesEachSplitsCountriesWithTheOtherSplitsQuestionForms() {
        var g = SpecWorld.builtin().lexicon().general();
        var heldOutInTrainForm = LearnabilityBench.factQuestions(g, SpecWorld.TRAIN, SpecWorld.TEST);
        var trainInHeldOutForm = LearnabilityBench.factQuestions(g, SpecWorld.TEST, SpecWorld.TRAIN);
        // every country of one split × every capital and export template of the other
        assertEquals(g.facts().test().size() * (g.templates().get("fact-capital").train().size() + g.templates().get("fact-export").train().size()),
                heldOutInTrainForm.size());
        assertEquals(g.facts().train().size() * (g.templates().get("fact-capital").test().size() + g.templates().get("fact-export").test().size()),
                trainInHeldOutForm.size());
        assertTrue(heldOutInTrainForm.contains(new LearnabilityBench.FactQuestion("What is the capital of Oristan?", "Marrowgate")), heldOutInTrainForm.toString());
        assertTrue(trainInHeldOutForm.contains(new LearnabilityBench.FactQuestion("What is Tessaly best known for exporting?", "salt-glass")), trainInHeldOutForm.toString());
        for (var q : heldOutInTrainForm) assertFalse(q.prompt().contains("{"), q.prompt());
    }

    @Test
    void spreadsEvenlyAndRejectsBadCheckpoints() {
        assertEquals(List.of(0, 2, 4, 6), LearnabilityBench.spread(List.of(0, 1, 2, 3, 4, 5, 6, 7), 4));
        assertEquals(List.of(1, 2), LearnabilityBench.spread(List.of(1, 2), 5));
        assertThrows(IllegalArgumentException.class,
                () -> new LearnabilityBench.Config(DemoPreset.TEST, 1, 0, 0, List.of(0), 3, 1, Path.of(".")));
    }
}
