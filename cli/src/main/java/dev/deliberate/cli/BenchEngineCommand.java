package dev.deliberate.cli;

import dev.deliberate.bench.EngineBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code deliberate bench engine}: training and decoding throughput beside the PyTorch reference. */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Engine training and decoding throughput (tok/s, GFLOP/s) for the tiny and small shapes.")
final class BenchEngineCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--shape", defaultValue = "tiny", description = "tiny, small, all, or 0.5b (Qwen2.5-0.5B fine-tuning: full vs --lora, --checkpointing; default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--runs", defaultValue = "3", description = "Measured runs per figure; medians are reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--threads", description = "Worker threads for the kernels (default: all cores, or DELIBERATE_THREADS).")
    Integer threads;

    @Option(names = "--profile", description = "Also print each kernel's share of a step, and for the GEMMs and attention their GFLOP/s and %% of the measured FMA peak (on stderr).")
    boolean profile;

    @Option(names = "--lora", paramLabel = "SPEC", description = "0.5b only: fine-tune with this LoRA (e.g. r=16,alpha=32,targets=all-linear) instead of every weight.")
    String lora;

    @Option(names = "--checkpointing", description = "0.5b only: activation checkpointing.")
    boolean checkpointing;

    @Option(names = "--base-dtype", paramLabel = "fp32|bf16", defaultValue = "fp32",
            description = "0.5b with --lora: hold the frozen base's weight matrices in bf16 (half their memory) or fp32 (default: ${DEFAULT-VALUE}).")
    String baseDtype;

    @Option(names = "--backend", defaultValue = "cpu",
            description = "cpu or java (Java kernels) or cpu-blas (matmul through OpenBLAS; said once and Java used when none is found) (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--reference", paramLabel = "FILE",
            description = "JSON lines from shared/bench/torch_llama_anchor.py run beside this one; ratios are taken against them.")
    java.nio.file.Path reference;

    @Option(names = "--no-peak", description = "Skip measuring the FMA peak (the %% peak column).")
    boolean noPeak;

    @Override
    public Integer call() {
        if (runs < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1");
        if (threads != null) {
            if (threads < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1");
            System.setProperty("deliberate.threads", threads.toString()); // read once when the worker pool starts
        }
        if (shape.equals("0.5b")) { // Qwen2.5-0.5B's shape, random weights: fine-tuning tok/s and peak RSS, batch 4×512
            var cfg = dev.deliberate.bench.FineTuneBench.qwen25Half();
            dev.deliberate.engine.model.LoraConfig l;
            try {
                l = lora == null ? null : dev.deliberate.engine.model.LoraConfig.parse(lora);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--lora: " + e.getMessage());
            }
            dev.deliberate.engine.model.BaseDtype d;
            try {
                d = dev.deliberate.engine.model.BaseDtype.parse(baseDtype);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--base-dtype: " + e.getMessage());
            }
            if (d == dev.deliberate.engine.model.BaseDtype.BF16 && l == null)
                throw new CommandLine.ParameterException(spec.commandLine(), "--base-dtype bf16 needs --lora: only a frozen base can be held in bf16");
            var r = dev.deliberate.bench.FineTuneBench.run(cfg, 4, 512, l, d, checkpointing, runs, spec.commandLine().getErr());
            spec.commandLine().getOut().print(dev.deliberate.bench.FineTuneBench.table(List.of(r), 4, 512));
            return 0;
        }
        if (lora != null || checkpointing || !baseDtype.equalsIgnoreCase("fp32"))
            throw new CommandLine.ParameterException(spec.commandLine(), "--lora, --checkpointing and --base-dtype go with --shape 0.5b");
        List<EngineBench.Shape> shapes;
        try {
            shapes = shape.equals("all") ? List.of(EngineBench.TINY, EngineBench.SMALL) : List.of(EngineBench.shape(shape));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        java.util.Map<String, Double> ref = null;
        if (reference != null) {
            try {
                ref = EngineBench.readReference(reference);
            } catch (java.io.IOException e) {
                throw new UserError("cannot read --reference " + reference + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
        dev.deliberate.engine.backend.cpu.CpuBackend be;
        try {
            be = dev.deliberate.engine.backend.cpu.CpuBackend.named(backend);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--backend: " + e.getMessage());
        }
        var err = spec.commandLine().getErr();
        double peak = noPeak ? 0 : dev.deliberate.bench.FmaPeak.measure(3);
        var results = new ArrayList<EngineBench.Result>();
        for (var s : shapes) results.addAll(EngineBench.run(s, runs, err, profile, be, peak));
        if (ref != null) results = new ArrayList<>(EngineBench.withReference(results, ref));
        spec.commandLine().getOut().print(EngineBench.table(results, peak, reference == null ? null : reference.toString(), be.name()));
        return 0;
    }
}
