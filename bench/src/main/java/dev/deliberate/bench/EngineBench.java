package dev.deliberate.bench;

import dev.deliberate.engine.backend.ProfilingBackend;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.backend.cpu.Parallel;
import dev.deliberate.engine.generate.Generator;
import dev.deliberate.engine.generate.SamplingParams;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.train.AdamW;
import dev.deliberate.engine.train.LrSchedule;
import dev.deliberate.engine.train.Objective;
import dev.deliberate.engine.train.Trainer;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Engine throughput in the shapes of {@code shared/bench/torch_anchor.py}: training tok/s (forward + backward +
 * AdamW over a B×T batch of random tokens) and decode tok/s (greedy, KV cache, 32-token prompt then 64 new tokens,
 * prefill included, like the anchor's {@code generate}); plus batched decode of B sequences, which the anchor does
 * not measure. GFLOP/s use the anchor's count: 6·params per trained token, 2·params per decoded token.
 */
public final class EngineBench {
    private EngineBench() {}

    /**
     * A benchmark shape; the reference figures are HF transformers + PyTorch 2.11 eager, fp32, 2 threads (0 = none).
     *
     * @param microBatch  sequences per forward/backward; the batch is accumulated over batch/microBatch passes so the
     *                    small shape's activations fit a default heap (tokens per optimizer step are unchanged)
     * @param warmupSteps unmeasured training steps first, so the JIT has compiled the kernels (the anchor drops 2)
     */
    public record Shape(String name, int hidden, int intermediate, int layers, int heads, int vocab, int batch, int seq,
                        int microBatch, int warmupSteps, double refTrainTokS, double refDecodeTokS) {
        ModelConfig config() {
            return ModelConfig.llama(hidden, intermediate, layers, heads, heads, vocab, Math.max(seq, 128));
        }
    }

    public static final Shape TINY = new Shape("tiny", 256, 768, 4, 4, 4096, 8, 256, 8, 4, 3470, 242);
    public static final Shape SMALL = new Shape("small", 768, 2048, 12, 12, 32000, 8, 1024, 2, 1, 198, 29);

    public static Shape shape(String name) {
        return switch (name) {
            case "tiny" -> TINY;
            case "small" -> SMALL;
            default -> throw new IllegalArgumentException("unknown shape '" + name + "' (tiny, small, all)");
        };
    }

    /** One measured figure: the median over runs, with GFLOP/s and the reference beside it. */
    public record Result(String shape, String what, String batch, double tokS, double gflops, double refTokS, int runs) {
        public double ratio() {
            return refTokS > 0 ? tokS / refTokS : Double.NaN;
        }
    }

    public static final int PROMPT = 32, NEW_TOKENS = 64;

    /** Measures training, single-sequence decode and batched decode for {@code shape}; progress goes to {@code log}. */
    public static List<Result> run(Shape shape, int runs, PrintWriter log) {
        return run(shape, runs, log, false);
    }

    /** As {@link #run(Shape, int, PrintWriter)}; with {@code profile}, also prints where each step's time goes. */
    public static List<Result> run(Shape shape, int runs, PrintWriter log, boolean profile) {
        return run(shape, runs, log, profile, new CpuBackend(), 0);
    }

    /**
     * As above on a given backend ({@code cpu} or {@code cpu-blas}, see {@link CpuBackend#named}); a profile then gives
     * each counted kernel's share of {@code peakGflops} (the measured FMA peak; 0 leaves that column out).
     */
    public static List<Result> run(Shape shape, int runs, PrintWriter log, boolean profile, CpuBackend backend,
                                   double peakGflops) {
        var profiler = profile ? new ProfilingBackend(backend) : null;
        var model = new Transformer(shape.config(), profile ? profiler : backend);
        model.initialize(0);
        long params = model.config().parameterCount();
        var results = new ArrayList<Result>();

        // training: warm-up steps, then `runs` measured optimizer steps
        var rnd = new Random(0);
        var micro = new ArrayList<Batch>();
        for (int b = 0; b < shape.batch(); b += shape.microBatch()) {
            var seqs = new ArrayList<int[]>();
            for (int i = 0; i < shape.microBatch(); i++) seqs.add(rnd.ints(shape.seq(), 0, shape.vocab()).toArray());
            micro.add(Batch.of(seqs));
        }
        var trainer = new Trainer(model, new AdamW(model, AdamW.Config.defaults(0.0)), LrSchedule.constant(1e-4), 1.0);
        double[] trainTimes = new double[runs];
        for (int r = -shape.warmupSteps(); r < runs; r++) {
            long t0 = System.nanoTime();
            var st = trainer.step(micro, Objective.crossEntropy());
            double s = (System.nanoTime() - t0) / 1e9;
            if (r >= 0) trainTimes[r] = s;
            else if (profile) profiler.reset(); // profile the measured steps only, not JIT warm-up
            log.printf("  %s train step %d%s: %.2f s, loss %.3f%n", shape.name(), r + shape.warmupSteps() + 1,
                    r < 0 ? " (warm-up)" : "", s, st.loss());
            log.flush();
        }
        if (profile) {
            log.print(profiler.report(shape.name() + " train", runs, peakGflops));
            profiler.reset();
        }
        double trainS = median(trainTimes), tokens = (double) shape.batch() * shape.seq();
        String trainBatch = shape.batch() + "×" + shape.seq() + (shape.microBatch() < shape.batch()
                ? " (" + shape.batch() / shape.microBatch() + "×" + shape.microBatch() + " accumulated)" : "");
        results.add(new Result(shape.name(), "train", trainBatch, tokens / trainS, 6.0 * params * tokens / trainS / 1e9,
                shape.refTrainTokS(), runs));

        // decoding: one sequence (the anchor's setting), then `batch` sequences at once
        for (int n : new int[]{1, shape.batch()}) {
            var prompts = new ArrayList<int[]>();
            for (int i = 0; i < n; i++) prompts.add(rnd.ints(PROMPT, 0, shape.vocab()).toArray());
            // one whole unmeasured run first, as the anchor drops its first (a short one left the JIT mid-way: the
            // first measured runs of a 64-token tiny decode then took twice as long as the rest)
            Generator.generate(model, prompts, SamplingParams.greedy(NEW_TOKENS), 1, null);
            if (profile) profiler.reset();
            double[] times = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                var out = Generator.generate(model, prompts, SamplingParams.greedy(NEW_TOKENS), 1, null);
                times[r] = (System.nanoTime() - t0) / 1e9;
                if (out.getFirst().getFirst().tokens().length != NEW_TOKENS) throw new IllegalStateException("decode stopped early");
                log.printf("  %s decode ×%d run %d: %.2f s%n", shape.name(), n, r + 1, times[r]);
                log.flush();
            }
            if (profile) {
                log.print(profiler.report(shape.name() + " decode ×" + n + " (per generate call)", runs, peakGflops));
                profiler.reset();
            }
            double s = median(times), toks = (double) n * NEW_TOKENS;
            results.add(new Result(shape.name(), n == 1 ? "decode" : "decode ×" + n, n + "×(" + PROMPT + "+" + NEW_TOKENS + ")", toks / s, 2.0 * params * toks / s / 1e9,
                    n == 1 ? shape.refDecodeTokS() : 0, runs));
        }
        return results;
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The results as an aligned text table (baked-in reference, no peak column). */
    public static String table(List<Result> results) {
        return table(results, 0, null, new CpuBackend().name());
    }

    /**
     * The results as an aligned text table with each figure's share of {@code peakGflops} (the measured FMA peak; 0:
     * no column) and, when {@code referenceFile} is given, the reference figures taken from it.
     */
    public static String table(List<Result> results, double peakGflops, String referenceFile, String backendName) {
        var sb = new StringBuilder();
        sb.append(String.format("%-6s %-10s %-28s %10s %9s %7s %15s %7s%n", "shape", "measure", "batch", "tok/s", "GFLOP/s",
                "% peak", "reference tok/s", "ratio"));
        for (Result r : results)
            sb.append(String.format("%-6s %-10s %-28s %10.1f %9.2f %7s %15s %7s%n", r.shape(), r.what(), r.batch(), r.tokS(), r.gflops(),
                    peakGflops > 0 ? String.format("%.1f%%", 100 * r.gflops() / peakGflops) : "-",
                    r.refTokS() > 0 ? String.format("%.1f", r.refTokS()) : "-",
                    r.refTokS() > 0 ? String.format("%.2f×", r.ratio()) : "-"));
        if (peakGflops > 0)
            sb.append(String.format("measured FMA peak: %.1f GFLOP/s (%d worker thread(s), %d-lane fp32 vectors, register-only loop)%n",
                    peakGflops, Parallel.threads(), FmaPeak.lanes()));
        sb.append(String.format("medians of %d runs, %d worker thread(s) (%s); reference: %s; decode = %d-token prompt + %d new tokens, greedy%n",
                results.isEmpty() ? 0 : results.getFirst().runs(), Parallel.threads(), backendName,
                referenceFile != null ? referenceFile : "HF transformers + PyTorch 2.11 eager, fp32, 2 threads (built in)",
                PROMPT, NEW_TOKENS));
        return sb.toString();
    }

    /**
     * Reference tok/s from the JSON lines {@code shared/bench/torch_llama_anchor.py} prints, keyed
     * {@code "<shape> train"} / {@code "<shape> decode"}; other lines (its warnings) are skipped, a JSON line without the
     * fields is an error naming its line.
     */
    public static java.util.Map<String, Double> readReference(java.nio.file.Path file) throws java.io.IOException {
        var out = new java.util.LinkedHashMap<String, Double>();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        int line = 0;
        for (String text : java.nio.file.Files.readAllLines(file)) {
            line++;
            String t = text.strip();
            if (!t.startsWith("{")) continue;
            com.fasterxml.jackson.databind.JsonNode n;
            try {
                n = json.readTree(t);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(file + ":" + line + ": not valid JSON: " + e.getOriginalMessage());
            }
            for (String field : new String[]{"what", "shape", "tok_s"}) {
                if (!n.hasNonNull(field)) throw new IllegalArgumentException(file + ":" + line + ": missing field '" + field + "'");
            }
            if (!n.get("tok_s").isNumber() || n.get("tok_s").asDouble() <= 0)
                throw new IllegalArgumentException(file + ":" + line + ": field 'tok_s' must be a positive number");
            out.put(n.get("shape").asText() + " " + n.get("what").asText(), n.get("tok_s").asDouble());
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no JSON lines with what/shape/tok_s");
        return out;
    }

    /** The results with their reference replaced from {@link #readReference} (figures it lacks get none). */
    public static List<Result> withReference(List<Result> results, java.util.Map<String, Double> reference) {
        var out = new ArrayList<Result>();
        for (Result r : results) {
            Double ref = reference.get(r.shape() + " " + r.what());
            out.add(new Result(r.shape(), r.what(), r.batch(), r.tokS(), r.gflops(), ref == null ? 0 : ref, r.runs()));
        }
        return out;
    }
}
