package dev.deliberate.engine.backend.cpu;

import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.train.AdamW;
import dev.deliberate.engine.train.LrSchedule;
import dev.deliberate.engine.train.Objective;
import dev.deliberate.engine.train.Trainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Java and OpenBLAS backends agree: matmul to fp32 tolerance on every transpose case and on sizes that cross the
 * Java kernel's cache blocks, and a 20-step training run's loss curve; and cpu-blas is bit-identical run to run.
 */
class BlasAgreementTest {
    @BeforeAll
    static void needsOpenBlas() {
        Assumptions.assumeTrue(OpenBlas.get() != null,
                () -> "skipped: no OpenBLAS library: " + OpenBlas.missingReason());
    }

    private static float[] randn(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @Test
    void matmulAgreesWithTheJavaKernels() {
        var java = new CpuBackend();
        var blas = CpuBackend.withOpenBlas();
        assertTrue(blas.usesBlas(), blas.name());
        var rnd = new Random(5);
        int[][] sizes = {{1, 7, 5}, {7, 13, 19}, {9, 300, 65}, {Gemm.MC + 5, 70, Gemm.KC + 9}, {33, Gemm.NC + 3, 16}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (boolean ta : new boolean[]{false, true})
                for (boolean tb : new boolean[]{false, true})
                    for (boolean acc : new boolean[]{false, true}) {
                        float[] a = randn(rnd, m * k), b = randn(rnd, k * n), c0 = randn(rnd, m * n);
                        float[][] got = new float[2][];
                        int i = 0;
                        for (CpuBackend be : List.of(java, blas)) {
                            var ct = be.allocate(m * n);
                            be.upload(c0, 0, ct, 0, c0.length);
                            var at = be.allocate(a.length);
                            be.upload(a, 0, at, 0, a.length);
                            var bt = be.allocate(b.length);
                            be.upload(b, 0, bt, 0, b.length);
                            be.matmul(ta, tb, m, n, k, at, 0, bt, 0, ct, 0, acc);
                            got[i] = new float[m * n];
                            be.download(ct, 0, got[i++], 0, m * n);
                        }
                        double tol = 2e-6 * Math.sqrt(k) * 4 + 1e-6; // |terms| ~ 1, error grows like sqrt(k)·eps
                        for (int j = 0; j < m * n; j++) {
                            assertEquals(got[0][j], got[1][j], tol * Math.max(1, Math.abs(got[0][j])),
                                    "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb + " acc=" + acc + " at " + j);
                        }
                    }
        }
    }

    /** Loss per step of 20 steps on a small model; the batch rows (4×32) take the packed GEMM path. */
    static double[] lossCurve(CpuBackend be) {
        var model = new Transformer(ModelConfig.llama(64, 128, 2, 4, 2, 97, 64), be);
        model.initialize(11);
        var trainer = new Trainer(model, new AdamW(model, AdamW.Config.defaults(0.0)), LrSchedule.constant(3e-3), 1.0);
        var rnd = new Random(9);
        double[] losses = new double[20];
        for (int step = 0; step < losses.length; step++) {
            var seqs = new ArrayList<int[]>();
            for (int i = 0; i < 4; i++) {
                int start = rnd.nextInt(97);
                int[] ids = new int[32];
                for (int t = 0; t < ids.length; t++) ids[t] = (start + 3 * t) % 97; // learnable, so the loss moves
                seqs.add(ids);
            }
            losses[step] = trainer.step(List.of(Batch.of(seqs)), Objective.crossEntropy()).loss();
        }
        return losses;
    }

    @Test
    void twentyStepLossCurvesAgreeAndBlasRepeatsBitForBit() {
        double[] java = lossCurve(new CpuBackend());
        double[] blas = lossCurve(CpuBackend.withOpenBlas());
        double[] again = lossCurve(CpuBackend.withOpenBlas());
        assertArrayEquals(blas, again, "cpu-blas must be bit-identical run to run at a fixed thread count");
        assertTrue(java[19] < java[0] - 0.1, "the loss must fall for the comparison to mean something: " + java[0] + " → " + java[19]);
        for (int i = 0; i < java.length; i++) {
            assertEquals(java[i], blas[i], 2e-3 * Math.max(1, Math.abs(java[i])), "loss at step " + (i + 1));
        }
    }
}
