package dev.deliberate.align.llm;

import dev.deliberate.engine.tokenizer.Reasoning;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The streaming splitter against its obviously-correct twin, {@link Reasoning#split} on the whole text. */
class ThinkStreamSplitterTest {

    static final List<String> TEXTS = List.of(
            "plain answer", "", "\n\n  spaced answer\n", "<think>\nreason\n</think>\n\nanswer",
            "<think>a</think>b", "  \n<think>\n\n\nmulti\n\nline\n\n</think>\n\n\nfinal\n\n", "<think>\nunclosed reasoning\n\n",
            "<think></think>empty", "<thin not a tag", "answer with </th inside", "<think>x < y and </ not closing</think>ok",
            "<think>\n\n</think>\n\n");

    @Test
    void anyChunkingAgreesWithTheWholeTextSplit() {
        var rnd = new Random(42);
        for (String text : TEXTS) {
            Reasoning.Split want = Reasoning.split(text);
            for (int trial = 0; trial < 200; trial++) {
                var s = new ThinkStreamSplitter();
                var r = new StringBuilder();
                var a = new StringBuilder();
                int i = 0;
                while (i < text.length()) {
                    int j = Math.min(text.length(), i + 1 + rnd.nextInt(trial % 2 == 0 ? 3 : 12));
                    var p = s.accept(text.substring(i, j));
                    r.append(p.reasoning());
                    a.append(p.answer());
                    i = j;
                }
                var p = s.finish();
                r.append(p.reasoning());
                a.append(p.answer());
                assertEquals(want.reasoning(), r.toString(), "reasoning of " + text.replace("\n", "\\n"));
                assertEquals(want.answer(), a.toString(), "answer of " + text.replace("\n", "\\n"));
                assertEquals(text, s.text());
            }
        }
    }

    @Test
    void handsReasoningOutBeforeTheBlockCloses() {
        var s = new ThinkStreamSplitter();
        assertTrue(s.accept("<think>\n").isEmpty());
        assertEquals(new ThinkStreamSplitter.Piece("first ", ""), s.accept("first "));
        assertEquals(new ThinkStreamSplitter.Piece("thought", ""), s.accept("thought\n</"));
        assertEquals(new ThinkStreamSplitter.Piece("", "Yes"), s.accept("think>\n\nYes"));
    }

    /** A bare {@code </think>} (the template opened the block in the prompt): never sent as answer text, in any chunking. */
    @Test
    void aBareCloseTagIsNeverSentAsAnswerText() {
        var rnd = new Random(7);
        for (String text : List.of("reasoning here\n</think>\n\nthe answer", "r</think>a</think>b", "x</thi", "</think>\n\nonly answer")) {
            Reasoning.Split want = Reasoning.split(text);
            for (int trial = 0; trial < 200; trial++) {
                var s = new ThinkStreamSplitter();
                var a = new StringBuilder();
                int i = 0;
                while (i < text.length()) {
                    int j = Math.min(text.length(), i + 1 + rnd.nextInt(5));
                    a.append(s.accept(text.substring(i, j)).answer());
                    i = j;
                }
                a.append(s.finish().answer());
                String streamed = a.toString();
                int first = text.indexOf(Reasoning.CLOSE);
                if (first >= 0 && first == text.lastIndexOf(Reasoning.CLOSE)) {
                    // what went out is the text before the tag (it could not be told from an answer) and the final answer
                    assertEquals(text.substring(0, first) + want.answer(), streamed, text.replace("\n", "\\n"));
                    assertFalse(streamed.startsWith(Reasoning.CLOSE) || streamed.contains("\n" + Reasoning.CLOSE), streamed);
                } else if (first >= 0) {
                    // several closes: the last ends the reasoning; what went out before it cannot be taken back, no tag goes out
                    assertTrue(streamed.endsWith(want.answer()), streamed);
                    assertFalse(streamed.contains(Reasoning.CLOSE), streamed);
                    assertFalse(streamed.startsWith(Reasoning.CLOSE) || streamed.contains("\n" + Reasoning.CLOSE), streamed);
                } else {
                    assertEquals(text, streamed, "a partial tag at the end is text");
                }
            }
        }
        var s = new ThinkStreamSplitter();
        assertEquals(new ThinkStreamSplitter.Piece("", "thinking "), s.accept("thinking </th"));
        assertEquals(new ThinkStreamSplitter.Piece("", "Yes"), s.accept("ink>\n\nYes"));
    }
}
