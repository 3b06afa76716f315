package dev.deliberate.bench;

import dev.deliberate.engine.backend.cpu.Gemm;
import dev.deliberate.engine.backend.cpu.Parallel;
import jdk.incubator.vector.FloatVector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Throughput of {@link Gemm} on the shapes the tiny and small Llama models train and decode with, beside a naive
 * triple loop (on fewer rows of the same shape) and the machine's fp32 peak.
 *
 * <p>Columns: median and best wall-clock GFLOP/s; per-cpu, the rate per CPU-second of the process times the
 * workers, which shows what the code does while it holds the cores on a shared machine; the naive loop; the
 * fractions of the nominal peak and of the measured FMA-only ceiling.
 *
 * <p>Usage: {@code GemmBench [--runs N] [--only SUBSTRING] [--ghz G] [--fma-units U]}. The peak is
 * threads × GHz × FMA units × fp32 lanes × 2; GHz defaults to /proc/cpuinfo's "cpu MHz", units to 2.
 */
public final class GemmBench {
    private record Shape(String name, boolean transA, boolean transB, int m, int n, int k, boolean accumulate,
                         int batch, int lda, int ldb, int ldc) {
        static Shape of(String name, boolean transA, boolean transB, int m, int n, int k, boolean accumulate) {
            return new Shape(name, transA, transB, m, n, k, accumulate, 1, transA ? m : k, transB ? k : n, n);
        }

        double flops() {
            return 2.0 * m * n * k * batch;
        }
    }

    private GemmBench() {}

    public static void main(String[] args) throws IOException {
        int runs = 5;
        String only = "";
        double ghz = cpuGhz();
        int fmaUnits = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                case "--ghz" -> ghz = Double.parseDouble(args[++i]);
                case "--fma-units" -> fmaUnits = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --runs N, --only SUBSTRING, --ghz G, --fma-units U");
            }
        }
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        int threads = Parallel.threads();
        double nominal = threads * ghz * fmaUnits * lanes * 2;
        Rate fma = fmaPeak();
        System.out.printf(Locale.ROOT, "nominal peak = %d threads × %.2f GHz × %d FMA units × %d lanes × 2 = %.1f GFLOP/s;"
                + " FMA-only register loop on %d threads (best of 9) = %.1f GFLOP/s wall, %.1f per-cpu;%n"
                + "GEMM: median and best of %d runs; per-cpu = flops per process CPU-second × threads;"
                + " load average %s%n", threads, ghz, fmaUnits, lanes, nominal, threads, fma.best(), fma.perCpu(), runs, loadAverage());
        System.out.printf(Locale.ROOT, "%-26s %5s %6s %6s %6s %9s %8s %8s %8s %8s %8s %8s%n",
                "shape", "op", "m", "n", "k", "GFLOP/s", "best", "per-cpu", "naive", "speedup", "nominal", "cpu/fma");
        for (Shape s : shapes()) {
            if (!s.name.contains(only)) continue;
            Rate rate = measure(s, runs, false);
            double gflops = rate.median();
            double naive = measure(naiveShape(s), 3, true).median();
            // Decode is bound by reading op(B) once: its bandwidth says more than GFLOP/s.
            String bandwidth = s.m <= 8 ? String.format(Locale.ROOT, "%.1f GB/s", gflops * 1e9 / s.flops() * 4.0 * s.n * s.k / 1e9) : "";
            System.out.printf(Locale.ROOT, "%-26s %5s %6d %6d %6d %9.1f %8.1f %8.1f %8.2f %7.0fx %7.1f%% %7.1f%%  %s%n",
                    s.name, op(s), s.m, s.n, s.k, gflops, rate.best(), rate.perCpu(), naive, gflops / naive, 100 * gflops / nominal,
                    100 * rate.perCpu() / fma.perCpu(), bandwidth);
        }
    }

    /**
     * The machine's fp32 throughput as the JIT can reach it: independent FMA chains on registers only, one per worker.
     * A VM hides the real (turbo) clock, so this is the honest ceiling beside the nominal one.
     */
    private static Rate fmaPeak() {
        double[] rates = new double[9], perCpu = new double[9];
        for (int r = -2; r < rates.length; r++) {
            long iterations = 20_000_000;
            long cpu = processCpuNanos();
            long t0 = System.nanoTime();
            Parallel.forRange(Parallel.threads(), 1, (s, e) -> {
                for (int t = s; t < e; t++) SINK[t % SINK.length] += fmaChains(iterations);
            });
            double flops = 12.0 * 2 * FloatVector.SPECIES_PREFERRED.length() * iterations * Parallel.threads();
            if (r >= 0) {
                rates[r] = flops / ((System.nanoTime() - t0) / 1e9) / 1e9;
                perCpu[r] = flops / ((processCpuNanos() - cpu) / 1e9) / 1e9 * Parallel.threads();
            }
        }
        // A ceiling: the best run, the one least disturbed by other processes.
        return new Rate(Arrays.stream(rates).max().orElseThrow(), Arrays.stream(rates).max().orElseThrow(),
                Arrays.stream(perCpu).max().orElseThrow());
    }

    private static final float[] SINK = new float[64];

    private static float fmaChains(long iterations) {
        var sp = FloatVector.SPECIES_PREFERRED;
        FloatVector x = FloatVector.broadcast(sp, 0.999f), y = FloatVector.broadcast(sp, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(sp, 1f), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3),
                a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7), a8 = a0.add(8), a9 = a0.add(9),
                a10 = a0.add(10), a11 = a0.add(11);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    private static List<Shape> shapes() {
        List<Shape> list = new ArrayList<>();
        linear(list, "tiny", 2048, new int[][] {{768, 256}, {256, 768}, {4096, 256}});
        linear(list, "small", 8192, new int[][] {{2304, 768}, {2048, 768}, {768, 2048}, {32000, 768}});
        // Attention per head (tiny: 256 positions, head dim 64) reading Q, K, V out of a [T, 3·hidden] projection.
        int t = 256, hd = 64, ld = 3 * 256;
        list.add(new Shape("tiny attn QK^T x32", false, true, t, t, hd, false, 32, ld, ld, t));
        list.add(new Shape("tiny attn PV x32", false, false, t, hd, t, false, 32, t, ld, 256));
        for (int m : new int[] {1, 4, 8}) {
            list.add(Shape.of("decode " + m + " qkv", false, true, m, 2304, 768, false));
            list.add(Shape.of("decode " + m + " lm_head", false, true, m, 32000, 768, false));
        }
        return list;
    }

    /** A linear layer [out, in] over {@code tokens}: forward, input gradient, weight gradient. */
    private static void linear(List<Shape> list, String model, int tokens, int[][] outIn) {
        for (int[] oi : outIn) {
            int out = oi[0], in = oi[1];
            String name = model + " " + out + "x" + in;
            list.add(Shape.of(name + " fwd", false, true, tokens, out, in, false));
            list.add(Shape.of(name + " dX", false, false, tokens, in, out, false));
            list.add(Shape.of(name + " dW", true, false, out, in, tokens, true));
        }
    }

    private static String op(Shape s) {
        return (s.transA ? "T" : "N") + (s.transB ? "T" : "N") + (s.accumulate ? "+" : "");
    }

    /** The same layout with fewer rows of C, so the naive loop finishes in about a second. */
    private static Shape naiveShape(Shape s) {
        int rows = (int) Math.max(1, Math.min(s.m, 1.5e8 / (2.0 * s.n * s.k)));
        return new Shape(s.name, s.transA, s.transB, rows, s.n, s.k, s.accumulate, 1,
                s.transA ? Math.max(s.lda, rows) : s.lda, s.ldb, s.ldc);
    }

    /** Median and best rate in GFLOP/s; on a shared machine the best run shows what the code can do. */
    private record Rate(double median, double best, double perCpu) {}

    private static Rate measure(Shape s, int runs, boolean naive) {
        var rnd = new SplittableRandom(42);
        int aLen = s.transA ? (s.k - 1) * s.lda + s.m : (s.m - 1) * s.lda + s.k;
        int bLen = s.transB ? (s.n - 1) * s.ldb + s.k : (s.k - 1) * s.ldb + s.n;
        int cLen = (s.m - 1) * s.ldc + s.n;
        // Batched shapes walk the heads through disjoint column offsets of one shared buffer, as attention does.
        float[] a = random(rnd, aLen + (s.batch - 1) * 64);
        float[] b = random(rnd, bLen + (s.batch - 1) * 64);
        float[] c = new float[cLen + (s.batch - 1) * 64];
        // Warm up by time, not by count: until C2 has compiled the kernels, a call runs interpreted Vector API code.
        long warmEnd = System.nanoTime() + (naive ? 300_000_000L : 1_500_000_000L);
        int calls = 0;
        do {
            calls++;
            runOnce(s, a, b, c, naive);
        } while (System.nanoTime() < warmEnd);
        // Repeat short calls so one timed run lasts about 0.2 s.
        long t0 = System.nanoTime();
        runOnce(s, a, b, c, naive);
        int repeat = (int) Math.max(1, Math.min(10_000, 2e8 / Math.max(1, System.nanoTime() - t0)));
        double[] rates = new double[runs];
        double[] perCpu = new double[runs];
        for (int r = 0; r < runs; r++) {
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            for (int i = 0; i < repeat; i++) runOnce(s, a, b, c, naive);
            rates[r] = s.flops() * repeat / ((System.nanoTime() - start) / 1e9) / 1e9;
            // Rate per CPU-second of this process times the workers: what the code does while it holds the cores.
            perCpu[r] = s.flops() * repeat / ((processCpuNanos() - cpu) / 1e9) / 1e9 * Parallel.threads();
        }
        Arrays.sort(perCpu);
        Arrays.sort(rates);
        return new Rate(rates[runs / 2], rates[runs - 1], perCpu[runs / 2]);
    }

    private static void runOnce(Shape s, float[] a, float[] b, float[] c, boolean naive) {
        for (int h = 0; h < s.batch; h++) {
            int off = (h % 4) * 64;
            if (naive) {
                naiveGemm(s.transA, s.transB, s.m, s.n, s.k, a, off, s.lda, b, off, s.ldb, c, off, s.ldc, s.accumulate);
            } else {
                Gemm.gemm(s.transA, s.transB, s.m, s.n, s.k, a, off, s.lda, b, off, s.ldb, c, off, s.ldc, s.accumulate);
            }
        }
    }

    /** The textbook triple loop, Gemm's first version, as the baseline. */
    static void naiveGemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                          float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + sum : sum;
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    private static double cpuGhz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) return Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) / 1000;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through to a stated default so the peak line still says what it assumed
        }
        return 2.6;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
