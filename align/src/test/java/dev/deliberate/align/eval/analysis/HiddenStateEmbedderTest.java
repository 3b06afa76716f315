package dev.deliberate.align.eval.analysis;

import dev.deliberate.align.llm.LocalCheckpoint;
import dev.deliberate.align.llm.Message;
import dev.deliberate.engine.io.TinyCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HiddenStateEmbedderTest {
    @TempDir
    Path tmp;

    @Test
    void identicalPromptsEmbedIdenticallyDifferentOnesDifferentlyInHiddenSizeDimensions() throws Exception {
        TinyCheckpoint.write(tmp, new java.util.ArrayList<>(TinyCheckpoint.CORPUS), new TinyCheckpoint.Shape(32, 4, 256), 3);
        try (var e = HiddenStateEmbedder.open(tmp, null)) {
            var c = LocalCheckpoint.open(tmp);
            assertEquals(2, e.layer());
            assertTrue(e.id().endsWith("layer 2 mean-pooled"), e.id());
            double[] a = e.embed("How do I kill a stuck Vexworm process?");
            assertEquals(c.model().config().hiddenSize(), a.length);
            assertArrayEquals(a, e.embed("How do I kill a stuck Vexworm process?"), 0.0);
            double[] b = e.embed("What is two plus two?");
            double diff = 0;
            for (int i = 0; i < a.length; i++) diff += Math.abs(a[i] - b[i]);
            assertTrue(diff > 1e-3, "different prompts, different vectors: " + diff);

            // the mean over the rendered user turn of the layer's hidden states, computed here from the engine directly
            int[] tokens = c.render(List.of(Message.user("What is two plus two?")), false).tokens();
            float[] h = c.model().hiddenStates(tokens, 2);
            int hs = a.length;
            for (int i = 0; i < hs; i++) {
                double s = 0;
                for (int t = 0; t < tokens.length; t++) s += h[t * hs + i];
                assertEquals(s / tokens.length, b[i], 1e-6);
            }
            assertThrows(IllegalArgumentException.class, () -> new HiddenStateEmbedder(c, 5));
            c.close();
        }
    }
}
