package dev.deliberate.bench;

import dev.deliberate.engine.backend.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's measured fp32 FMA peak: every worker runs a register-only loop of 12 independent FMA chains (enough to
 * cover 4-cycle latency on 2 FMA units plus slack) on the preferred vector width, all at once; the best of a few
 * timed rounds, in GFLOP/s (an FMA is 2 flops). What the engine's GFLOP/s is a fraction of.
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private FmaPeak() {}

    /** One worker's chains; returns a value depending on every lane so the JIT keeps the loop. */
    static float chains(long iterations) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), a = FloatVector.broadcast(F, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(F, 1f), c1 = c0.add(1f), c2 = c0.add(2f), c3 = c0.add(3f), c4 = c0.add(4f),
                c5 = c0.add(5f), c6 = c0.add(6f), c7 = c0.add(7f), c8 = c0.add(8f), c9 = c0.add(9f), c10 = c0.add(10f),
                c11 = c0.add(11f);
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(m, a); c1 = c1.fma(m, a); c2 = c2.fma(m, a); c3 = c3.fma(m, a);
            c4 = c4.fma(m, a); c5 = c5.fma(m, a); c6 = c6.fma(m, a); c7 = c7.fma(m, a);
            c8 = c8.fma(m, a); c9 = c9.fma(m, a); c10 = c10.fma(m, a); c11 = c11.fma(m, a);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).lane(0);
    }

    /** GFLOP/s of all {@link Parallel#threads()} workers together, best of {@code rounds}. */
    public static double measure(int rounds) {
        int threads = Parallel.threads();
        long iterations = 20_000_000L / Math.max(1, F.length() / 8);
        float[] sink = new float[threads];
        chains(20_000); // compile before timing
        double best = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            Parallel.forRange(threads, 1, (s, e) -> {
                for (int t = s; t < e; t++) sink[t] += chains(iterations);
            });
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, threads * iterations * 12.0 * F.length() * 2 / s / 1e9);
        }
        if (Float.isNaN(sink[0])) throw new IllegalStateException("unreachable");
        return best;
    }

    /** The vector width the peak was measured at. */
    public static int lanes() {
        return F.length();
    }
}
