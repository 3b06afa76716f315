package dev.deliberate.engine.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ReasoningTest {

    @Test
    void splitsThinkBlockFromAnswer() {
        var s = Reasoning.split("<think>\nThe request asks for X. [CYB-2] applies.\n</think>\n\nI can't help with that.");
        assertEquals("The request asks for X. [CYB-2] applies.", s.reasoning());
        assertEquals("I can't help with that.", s.answer());
        assertTrue(s.closed());
    }

    @Test
    void noTagsIsAllAnswer() {
        var s = Reasoning.split("Paris.");
        assertEquals("", s.reasoning());
        assertEquals("Paris.", s.answer());
        assertFalse(s.hasReasoning());
    }

    @Test
    void closingTagWithoutOpeningStillSplits() {
        var s = Reasoning.split("thinking here\n</think>\n\nanswer");
        assertEquals("thinking here", s.reasoning());
        assertEquals("answer", s.answer());
    }

    @Test
    void unclosedThinkIsAllReasoning() {
        var s = Reasoning.split("<think>\nstep 1\nstep 2");
        assertEquals("step 1\nstep 2", s.reasoning());
        assertEquals("", s.answer());
        assertFalse(s.closed());
    }

    @Test
    void textBeforeThinkIsKeptInTheAnswer() {
        var s = Reasoning.split("Note. <think>r</think>\n\na");
        assertEquals("r", s.reasoning());
        assertEquals("Note.\n\na", s.answer());
    }

    @Test
    void theLastCloseEndsTheReasoning() {
        var s = Reasoning.split("<think>a</think>\n\nx<think>b</think>\n\ny");
        assertEquals("a</think>\n\nx<think>b", s.reasoning(), "text between think blocks is reasoning");
        assertEquals("y", s.answer());
        assertTrue(s.closed());
        assertEquals("y", Reasoning.answer("r1\n</think>\n\nmid</think>\n\ny"));
        assertEquals(Reasoning.answer("<think>a</think>\n\nx<think>b</think>\n\ny"), Reasoning.split(Reasoning.join(s.reasoning(), s.answer())).answer());
    }

    @Test
    void aBlockLeftOpenAfterTheLastCloseIsReasoning() {
        var s = Reasoning.split("<think>a</think>\n\nshown <think>b, cut");
        assertEquals("shown", s.answer());
        assertEquals("a\nb, cut", s.reasoning());
        assertFalse(s.closed());
        String t = "<think>a</think>\n\nshown <think>b, cut";
        assertArrayEquals(new int[] {0, "<think>a</think>".length(), t.indexOf("<think>b"), t.length()}, Reasoning.reasoningSpans(t));
        assertArrayEquals(new int[] {0, "<think>a</think>".length()}, Reasoning.reasoningSpans("<think>a</think>\n\nok"));
        assertArrayEquals(new int[0], Reasoning.reasoningSpans("no tags"));
        assertArrayEquals(new int[] {"Hi ".length(), "Hi <think>a</think>".length()}, Reasoning.reasoningSpans("Hi <think>a</think> there"),
                "an answer before the first <think> is not reasoning, as split says");
    }

    @Test
    void theReasoningSpansLeaveExactlyTheAnswer() {
        Random rnd = new Random(11);
        String[] pieces = {"a", " ", "\n", "<think>", "</think>", "é", "x y"};
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(9); k > 0; k--) sb.append(pieces[rnd.nextInt(pieces.length)]);
            String text = sb.toString();
            int[] spans = Reasoning.reasoningSpans(text);
            StringBuilder outside = new StringBuilder();
            int at = 0;
            for (int k = 0; k < spans.length; k += 2) {
                assertTrue(spans[k] >= at && spans[k] <= spans[k + 1], text);
                outside.append(text, at, spans[k]).append(' ');
                at = spans[k + 1];
            }
            outside.append(text.substring(at));
            assertEquals(Reasoning.answer(text).replaceAll("\\s", ""), outside.toString().replaceAll("\\s", ""), text);
        }
    }

    @Test
    void joinIsTheInverseOfSplit() {
        Random rnd = new Random(7);
        String alphabet = "ab \n<>/think.é漢🙂";
        for (int i = 0; i < 2000; i++) {
            String r = randomText(rnd, alphabet), a = randomText(rnd, alphabet);
            if (r.contains("</think>") || a.contains("</think>") || r.contains("<think>") || a.contains("<think>")) continue;
            r = Reasoning.trimNewlines(r);
            a = Reasoning.stripLeadingNewlines(a);
            if (r.isEmpty()) continue;
            var s = Reasoning.split(Reasoning.join(r, a));
            assertEquals(r, s.reasoning());
            assertEquals(a, s.answer());
        }
        assertEquals("just an answer", Reasoning.join("", "just an answer"));
    }

    private static String randomText(Random rnd, String alphabet) {
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(12);
        int[] cps = alphabet.codePoints().toArray();
        for (int i = 0; i < n; i++) sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
        return sb.toString();
    }
}
