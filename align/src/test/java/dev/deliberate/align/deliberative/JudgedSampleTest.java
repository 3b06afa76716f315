package dev.deliberate.align.deliberative;

import dev.deliberate.align.judge.Decision;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.FinishReason;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JudgedSampleTest {
    private static final Completion GOOD = new Completion("think", "answer", FinishReason.STOP, null);

    @Test
    void aMalformedSampleHasNoVerdictAndNeverPasses() {
        var cut = new Completion("think", "ans", FinishReason.LENGTH, null);
        assertEquals("truncated", JudgedSample.malformed(cut));
        JudgedSample s = new JudgedSample.Malformed(2, cut, "truncated");
        assertFalse(s.wellFormed());
        assertFalse(s.accepted());
        assertFalse(s.passes(0));
        assertEquals(0, s.score());
        assertEquals(List.of(), s.scores());
        assertEquals("malformed:truncated", s.failure(0.5));
        assertEquals("malformed:truncated", s.note(0.5).status());
    }

    @Test
    void aJudgedSampleFailsForItsVerdictOrScore() {
        var ok = new Verdict(0.8, true, Decision.COMPLIED, null, "fine", "j");
        JudgedSample s = new JudgedSample.Judged(0, GOOD, ok, 0.8, List.of(0.8, 0.9));
        assertTrue(s.passes(0.5));
        assertNull(s.failure(0.5));
        assertEquals("below-threshold", s.failure(0.9));
        var no = new Verdict(0.1, false, Decision.COMPLIED, null, "unsafe", "j");
        assertEquals("rejected", new JudgedSample.Judged(1, GOOD, no, 0.1, List.of(0.1)).failure(0));
        assertThrows(NullPointerException.class, () -> new JudgedSample.Judged(0, GOOD, null, 0, List.of()));
    }
}
