package dev.deliberate.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

/** A forRange inside a forRange body runs inline on that worker and still covers every index exactly once. */
class ParallelNestingTest {
    @Test
    void nestedRangesRunInlineAndCoverEverything() {
        int outer = 8, inner = 1000;
        var hits = new AtomicIntegerArray(outer * inner);
        assertFalse(Parallel.insideWorker());
        Parallel.forRange(outer, 1, (o0, o1) -> {
            assertTrue(Parallel.insideWorker());
            for (int o = o0; o < o1; o++) {
                int base = o * inner;
                Thread caller = Thread.currentThread();
                Parallel.forRange(inner, 1, (i0, i1) -> {
                    assertSame(caller, Thread.currentThread(), "nested range must stay on its worker");
                    assertEquals(0, i0);
                    assertEquals(inner, i1);
                    for (int i = i0; i < i1; i++) hits.incrementAndGet(base + i);
                });
            }
        });
        assertFalse(Parallel.insideWorker());
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), "index " + i);
    }
}
