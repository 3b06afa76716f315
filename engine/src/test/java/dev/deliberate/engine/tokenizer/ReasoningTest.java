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
        assertEquals(t.length(), Reasoning.reasoningEnd(t));
        assertEquals("<think>a</think>".length(), Reasoning.reasoningEnd("<think>a</think>\n\nok"));
        assertEquals(0, Reasoning.reasoningEnd("no tags"));
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
