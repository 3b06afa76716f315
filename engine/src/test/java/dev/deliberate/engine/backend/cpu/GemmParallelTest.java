package dev.deliberate.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The worker pool Gemm runs on: every index exactly once, in contiguous ranges, also nested, concurrent and failing. */
class GemmParallelTest {

    private static void assertCoversOnce(int n, int grain) {
        var hits = new AtomicIntegerArray(n);
        var ranges = new ConcurrentLinkedQueue<int[]>();
        Parallel.forRange(n, grain, (s, e) -> {
            ranges.add(new int[] {s, e});
            for (int i = s; i < e; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "n=" + n + " grain=" + grain + " index " + i);
        assertTrue(ranges.size() <= Parallel.threads(), "more ranges than workers: " + ranges.size());
        for (int[] r : ranges) assertTrue(r[1] - r[0] >= Math.min(n, grain) || ranges.size() == 1, "range below grain");
    }

    @Test
    void coversEveryIndexExactlyOnce() {
        for (int n : new int[] {0, 1, 2, 3, 7, 100, 1001}) {
            for (int grain : new int[] {1, 2, 64, 5000}) {
                for (int rep = 0; rep < 20; rep++) assertCoversOnce(n, grain);
            }
        }
    }

    @Test
    void nestedAndConcurrentCallsComplete() throws Exception {
        var hits = new AtomicIntegerArray(64 * 64);
        Parallel.forRange(64, 1, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forRange(64, 1, (s2, e2) -> {
                    for (int j = s2; j < e2; j++) hits.incrementAndGet(row * 64 + j);
                });
            }
        });
        for (int i = 0; i < 64 * 64; i++) assertEquals(1, hits.get(i), "nested index " + i);

        var counts = new AtomicIntegerArray(4);
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int slot = t;
                futures.add(pool.submit(() -> {
                    for (int rep = 0; rep < 500; rep++) {
                        Parallel.forRange(100, 1, (s, e) -> counts.addAndGet(slot, e - s));
                    }
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        for (int t = 0; t < 4; t++) assertEquals(500 * 100, counts.get(t), "caller " + t);
    }

    @Test
    void failureInAnyRangeReachesTheCallerAndThePoolSurvives() {
        for (int failing = 0; failing < Parallel.threads(); failing++) {
            int bad = failing * 100;
            var e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(100 * Parallel.threads(), 1, (s, end) -> {
                if (s <= bad && bad < end) throw new IllegalStateException("boom at " + bad);
            }));
            assertTrue(String.valueOf(e.getMessage()).contains("boom at " + bad), e.getMessage());
        }
        assertCoversOnce(1000, 1);
    }
}
