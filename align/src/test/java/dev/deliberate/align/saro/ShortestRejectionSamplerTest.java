package dev.deliberate.align.saro;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ShortestRejectionSamplerTest {

    record Sample(String text, boolean safe) {}

    @Test
    void keepsTheShortestAcceptedNotTheShortestOverall() {
        var samples = List.of(
                new Sample("a fairly long but safe chain of thought", true),
                new Sample("short unsafe", false),
                new Sample("a safe chain", true),
                new Sample("another long, safe, and wordy chain of thought here", true));
        var sel = ShortestRejectionSampler.select(samples, Sample::safe, s -> s.text().length());
        assertEquals(2, sel.keptIndex());
        assertEquals("a safe chain", sel.kept().orElseThrow().text());
        assertEquals(3, sel.accepted());
        assertEquals(4, sel.sampled());
        assertEquals(12, sel.keptLength());
        double mean = (39 + 12 + 51) / 3.0;
        assertEquals(mean, sel.meanAcceptedLength(), 1e-12);
        assertEquals(1 - 12 / mean, sel.saving(), 1e-12);
    }

    @Test
    void tiesGoToTheEarliestSample() {
        var samples = List.of(new Sample("bbb", true), new Sample("aaa", true));
        assertEquals(0, ShortestRejectionSampler.select(samples, Sample::safe, s -> s.text().length()).keptIndex());
    }

    @Test
    void nothingAcceptedKeepsNothing() {
        var sel = ShortestRejectionSampler.select(List.of(new Sample("x", false)), Sample::safe, s -> 1);
        assertTrue(sel.kept().isEmpty());
        assertEquals(-1, sel.keptIndex());
        assertEquals(0, sel.saving());
    }
}
