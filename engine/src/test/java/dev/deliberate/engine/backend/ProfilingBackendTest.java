package dev.deliberate.engine.backend;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The profiler's operation counts: what its GFLOP/s and "% of peak" columns divide by the measured time. */
class ProfilingBackendTest {

    @Test
    void countsTwoFlopsPerMultiplyAddAndCausalPairsOfEachSequence() {
        try (var p = new ProfilingBackend(new CpuBackend())) {
            int m = 5, n = 7, k = 3;
            var a = p.allocate((long) m * k);
            var b = p.allocate((long) k * n);
            var c = p.allocate((long) m * n);
            p.matmul(false, false, m, n, k, a, 0, b, 0, c, 0, false);
            p.matmul(false, false, m, n, k, a, 0, b, 0, c, 0, true);
            assertArrayEquals(new long[] {2, 0, 2L * 2 * m * n * k}, withoutTime(p.stats().get("matmul NN")));

            int batch = 2, seq = 4, heads = 2, headDim = 8;
            int[] lengths = {4, 2}; // 4·5/2 + 2·3/2 = 13 causal pairs
            long rows = (long) batch * seq, width = (long) heads * headDim;
            var q = p.allocate(rows * width);
            var kk = p.allocate(rows * width);
            var v = p.allocate(rows * width);
            var out = p.allocate(rows * width);
            var lse = p.allocate((long) batch * heads * seq);
            p.attention(q, kk, v, out, lse, batch, seq, lengths, heads, heads, headDim);
            assertEquals(4L * headDim * heads * 13, p.stats().get("attention")[2]);
            p.attentionBackward(out, q, kk, v, out, lse, p.allocate(rows * width), p.allocate(rows * width),
                    p.allocate(rows * width), batch, seq, lengths, heads, heads, headDim);
            assertEquals(10L * headDim * heads * 13, p.stats().get("attentionBackward")[2]);

            String report = p.report("t", 1, 100);
            assertTrue(report.lines().anyMatch(l -> l.contains("matmul NN") && l.contains("GFLOP/s") && l.contains("of peak")), report);
            assertTrue(report.lines().noneMatch(l -> l.contains("allocate") && l.contains("GFLOP/s")), report);
            assertFalse(p.report("t", 1).contains("of peak"), "no peak given, no percentage");
        }
    }

    private static long[] withoutTime(long[] s) {
        return new long[] {s[0], 0, s[2]};
    }
}
