package dev.deliberate.align.deliberative;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JudgeMinOfKTest {

    record Verdict(double score, String reason) {}

    @Test
    void scoreIsTheMinimumOverRunsAndKeepsTheWorstReason() {
        var runs = List.of(new Verdict(0.9, "fine"), new Verdict(0.4, "leaks a step"), new Verdict(0.7, "ok"));
        var r = JudgeMinOfK.judge(3, runs::get, Verdict::score);
        assertEquals(0.4, r.score());
        assertEquals("leaks a step", r.worst().reason());
        assertEquals(List.of(0.9, 0.4, 0.7), r.scores());
    }

    @Test
    void runsExactlyKTimes() {
        int[] calls = {0};
        JudgeMinOfK.judge(5, i -> { calls[0]++; return new Verdict(1, ""); }, Verdict::score);
        assertEquals(5, calls[0]);
        assertThrows(IllegalArgumentException.class, () -> JudgeMinOfK.judge(0, i -> new Verdict(1, ""), Verdict::score));
        assertThrows(IllegalStateException.class, () -> JudgeMinOfK.judge(1, i -> new Verdict(Double.NaN, ""), Verdict::score));
    }
}
