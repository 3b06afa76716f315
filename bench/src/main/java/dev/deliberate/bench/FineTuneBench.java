package dev.deliberate.bench;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.backend.cpu.Parallel;
import dev.deliberate.engine.model.BaseDtype;
import dev.deliberate.engine.model.Batch;
import dev.deliberate.engine.model.LoraConfig;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.train.AdamW;
import dev.deliberate.engine.train.LrSchedule;
import dev.deliberate.engine.train.Objective;
import dev.deliberate.engine.train.Trainer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Fine-tuning a real model's shape on random weights: full fine-tuning vs LoRA, with or without activation
 * checkpointing — training tok/s (forward + backward + AdamW) and the process's peak resident memory (VmHWM).
 * One configuration per process, so each peak is its own; {@code bench/lora-0.5b.sh} runs them. With a bf16 base the
 * fp32 weights exist only until {@link Transformer#setBaseDtype} narrows them, before the first step.
 */
public final class FineTuneBench {
    private FineTuneBench() {}

    /** Qwen2.5-0.5B: hidden 896, intermediate 4864, 24 layers, 14 heads / 2 KV heads (head 64), vocab 151,936, tied, q/k/v biases. */
    public static ModelConfig qwen25Half() {
        return new ModelConfig(ModelConfig.Architecture.QWEN2, 896, 4864, 24, 14, 2, 64, 151_936, 32_768, 1e-6, 1_000_000,
                ModelConfig.RopeScaling.NONE, true, false, 0.02, 0, null, List.of());
    }

    public record Result(String config, long trainable, double tokS, double stepSeconds, long peakRssBytes, int runs) {}

    /**
     * @param lora null for full fine-tuning
     * @param baseDtype how the frozen base is held ({@link BaseDtype#BF16} needs {@code lora})
     */
    public static Result run(ModelConfig cfg, int batch, int seq, LoraConfig lora, BaseDtype baseDtype, boolean checkpointing, int runs,
                             PrintWriter log) {
        var model = new Transformer(cfg, new CpuBackend());
        model.initialize(0);
        if (lora != null) model.attachLora(lora, 0);
        model.setBaseDtype(baseDtype);
        model.setCheckpointing(checkpointing);
        var rnd = new Random(0);
        var seqs = new ArrayList<int[]>();
        for (int i = 0; i < batch; i++) seqs.add(rnd.ints(seq, 0, cfg.vocabSize()).toArray());
        List<Batch> micro = List.of(Batch.of(seqs));
        var trainer = new Trainer(model, new AdamW(model, AdamW.Config.defaults(0.0)), LrSchedule.constant(1e-4), 1.0);
        long trainable = model.trainableParameters().stream().mapToLong(p -> p.size()).sum();
        String name = (lora == null ? "full" : "lora r=" + lora.r() + " " + (lora.targets().equals(LoraConfig.MODULES) ? "all-linear" : String.join("+", lora.targets())))
                + (checkpointing ? " + checkpointing" : "") + (baseDtype == BaseDtype.BF16 ? " + bf16 base" : "");
        double[] times = new double[runs];
        for (int r = -1; r < runs; r++) { // one warm-up step
            long t0 = System.nanoTime();
            var st = trainer.step(micro, Objective.crossEntropy());
            double s = (System.nanoTime() - t0) / 1e9;
            if (r >= 0) times[r] = s;
            log.printf("  %s step %d%s: %.1f s, loss %.3f, peak RSS %.2f GB%n", name, r + 2, r < 0 ? " (warm-up)" : "", s, st.loss(),
                    peakRss() / 1e9);
            log.flush();
        }
        double med = EngineBench.median(times);
        return new Result(name, trainable, (double) batch * seq / med, med, peakRss(), runs);
    }

    /** VmHWM of this process (Linux), in bytes; −1 where /proc is not there. */
    public static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public static String table(List<Result> results, int batch, int seq) {
        var sb = new StringBuilder(String.format("%-48s %14s %10s %9s %14s%n", "0.5b " + batch + "×" + seq, "trainable", "tok/s", "s/step", "peak RSS GB"));
        for (Result r : results)
            sb.append(String.format("%-48s %14d %10.1f %9.1f %14.2f%n", r.config(), r.trainable(), r.tokS(), r.stepSeconds(), r.peakRssBytes() / 1e9));
        sb.append(String.format("median of %d step(s) after one warm-up, %d worker thread(s) (%s)%n", results.getFirst().runs(),
                Parallel.threads(), new CpuBackend().name()));
        return sb.toString();
    }
}
