package dev.deliberate.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

/** The spinning pool: every index once, the same ranges whoever runs them, failures reach the caller. */
class ParallelPoolTest {
    @Test
    void manyBackToBackRangesCoverEveryIndexOnce() {
        int n = 1000;
        var hits = new AtomicIntegerArray(n);
        for (int round = 0; round < 20_000; round++) {
            Parallel.forRange(n, 1, (s, e) -> {
                for (int i = s; i < e; i++) hits.incrementAndGet(i);
            });
        }
        for (int i = 0; i < n; i++) assertEquals(20_000, hits.get(i), "index " + i);
    }

    @Test
    void concurrentCallersEachGetTheirOwnRangesExactlyOnce() throws Exception {
        int callers = 4, n = 512, rounds = 2_000;
        var hits = new AtomicIntegerArray(callers * n);
        var callerThreads = new ArrayList<Thread>();
        var failures = new ArrayList<Throwable>();
        for (int c = 0; c < callers; c++) {
            int base = c * n;
            var t = new Thread(() -> {
                for (int r = 0; r < rounds; r++) {
                    Parallel.forRange(n, 1, (s, e) -> {
                        // the same split as with the workers, even when another caller holds them
                        int len = e - s, even = n / Parallel.threads();
                        assertTrue(len == even || len == even + 1, "range [" + s + ", " + e + ")");
                        for (int i = s; i < e; i++) hits.incrementAndGet(base + i);
                    });
                }
            });
            t.setUncaughtExceptionHandler((th, ex) -> { synchronized (failures) { failures.add(ex); } });
            callerThreads.add(t);
            t.start();
        }
        for (Thread t : callerThreads) t.join();
        assertTrue(failures.isEmpty(), () -> "a caller failed: " + failures);
        for (int i = 0; i < hits.length(); i++) assertEquals(rounds, hits.get(i), "index " + i);
    }

    @Test
    void aFailingRangeReachesTheCallerAndThePoolKeepsWorking() {
        int n = 64;
        var e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(n, 1, (s, end) -> {
            if (end == n) throw new IllegalStateException("last range fails");
        }));
        assertEquals("last range fails", e.getMessage());
        var hits = new AtomicIntegerArray(n);
        Parallel.forRange(n, 1, (s, end) -> {
            for (int i = s; i < end; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i));
    }
}
