package dev.deliberate.cli;

import dev.deliberate.engine.model.BaseDtype;
import dev.deliberate.engine.train.TrainConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The loop options every {@code train} subcommand shares (TRL's names where it has one). */
final class TrainOptions {
    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (created; rerun into it to resume).")
    Path out;

    @Option(names = "--check-finite", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Refuse a --model checkpoint holding NaN or infinite weights, naming the first such tensor (default: on; --no-check-finite skips the scan).")
    boolean checkFinite;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--max-steps", defaultValue = "0", description = "Optimizer steps; overrides --epochs when > 0.")
    int maxSteps;

    @Option(names = "--lr", defaultValue = "1e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "8", description = "Examples per optimizer step (pairs for dpo, prompts for rl; default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--micro-batch", defaultValue = "4", description = "Sequences per forward/backward; gradients accumulate (default: ${DEFAULT-VALUE}).")
    int microBatch;

    @Option(names = "--warmup-ratio", defaultValue = "0.1", description = "Warmup share of the steps, then cosine (default: ${DEFAULT-VALUE}).")
    double warmupRatio;

    @Option(names = "--min-lr-ratio", defaultValue = "0.1", description = "Cosine floor as a share of --lr (default: ${DEFAULT-VALUE}).")
    double minLrRatio;

    @Option(names = "--weight-decay", defaultValue = "0.0", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Gradient clipping norm, 0 = off (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(names = "--seed", defaultValue = "42", description = "Data order, initialisation and sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--eval-every", defaultValue = "0", description = "Evaluate on the held-out split every N steps (0: before and after only).")
    int evalEvery;

    @Option(names = "--save-every", defaultValue = "50", description = "Write the resumable state every N steps (default: ${DEFAULT-VALUE}).")
    int saveEvery;

    @Option(names = "--max-seq-len", defaultValue = "1024", description = "Truncate sequences to this many tokens (default: ${DEFAULT-VALUE}).")
    int maxSeqLen;

    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N records or prompts (smoke runs).")
    int limit;

    @Option(names = "--lora", paramLabel = "SPEC", description = {"Train a LoRA adapter on the frozen base instead of every weight,",
            "e.g. r=16,alpha=32,targets=all-linear[,dropout=0.05][,rslora=true][,save=embed_tokens+lm_head] (targets joined",
            "by +: q_proj+v_proj; save = PEFT's modules_to_save: the embedding and LM head trained in full as a copy).",
            "Writes a PEFT adapter folder (out/adapter); DPO's and RL's reference is the base with the adapter off."})
    String lora;

    @Option(names = "--merge", description = "With --lora: also write the merged full checkpoint (base + adapter) to out/checkpoint.")
    boolean merge;

    @Option(names = "--checkpointing", description = "Activation checkpointing: keep each layer's input only, recompute in the backward.")
    boolean checkpointing;

    @Option(names = "--logit-block-rows", paramLabel = "N", description = {
            "Rows of logits the LM head holds at once (default 0: 2^26 floats / vocabulary, 256 MB). Smaller saves memory at a",
            "large vocabulary; DPO and RL then recompute a block's logits in the backward, SFT does not."})
    int logitBlockRows;

    @Option(names = "--base-dtype", paramLabel = "fp32|bf16", defaultValue = "fp32", description = {
            "With --lora: hold the frozen base's weight matrices (linear layers, embedding/LM head) in bf16, half their memory,",
            "widened to fp32 inside the matrix multiplies; or fp32 (default: ${DEFAULT-VALUE}). --merge then writes bf16-rounded base + adapter."})
    String baseDtype = "fp32";

    /** The base checkpoint of a LoRA run (set when the model is loaded; named in the adapter's config). */
    Path loraBase;

    /** {@code --base-dtype}, checked: bf16 needs {@code --lora}, since a full fine-tune updates every weight in fp32. */
    BaseDtype baseDtype() {
        BaseDtype d;
        try {
            d = BaseDtype.parse(baseDtype);
        } catch (IllegalArgumentException e) {
            throw new UserError("--base-dtype " + baseDtype + ": " + e.getMessage());
        }
        if (d == BaseDtype.BF16 && lora == null)
            throw new UserError("--base-dtype bf16 needs --lora: only a frozen base can be held in bf16 (a full fine-tune updates every"
                    + " weight in fp32); add --lora r=16,alpha=32,targets=all-linear or drop --base-dtype");
        return d;
    }

    /** Applies {@code --checkpointing} and {@code --logit-block-rows} to a loaded or fresh model. */
    void applyTo(dev.deliberate.engine.model.Transformer m) {
        if (logitBlockRows < 0) throw new UserError("--logit-block-rows must be at least 1 (or 0 for the default), got " + logitBlockRows);
        m.setCheckpointing(checkpointing);
        if (logitBlockRows > 0) m.logitBlockRows(logitBlockRows);
    }

    TrainConfig config() {
        baseDtype();
        try {
            // eval-every 0 still evaluates before and after: the loop evaluates at 0 when evalEvery > 0, and at the end
            int eval = evalEvery > 0 ? evalEvery : Integer.MAX_VALUE / 2;
            return new TrainConfig(epochs, maxSteps, batch, microBatch, lr, warmupRatio, minLrRatio, weightDecay, maxGradNorm, seed, eval, saveEvery);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    <T> java.util.List<T> limited(java.util.List<T> xs) {
        return limit > 0 && xs.size() > limit ? xs.subList(0, limit) : xs;
    }

    Map<String, Object> asMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("out", out.toString());
        m.put("epochs", epochs);
        m.put("max_steps", maxSteps);
        m.put("learning_rate", lr);
        m.put("batch", batch);
        m.put("micro_batch", microBatch);
        m.put("warmup_ratio", warmupRatio);
        m.put("min_lr_ratio", minLrRatio);
        m.put("weight_decay", weightDecay);
        m.put("max_grad_norm", maxGradNorm);
        m.put("seed", seed);
        m.put("eval_every", evalEvery);
        m.put("save_every", saveEvery);
        m.put("max_seq_len", maxSeqLen);
        m.put("limit", limit);
        m.put("lora", lora);
        m.put("merge", merge);
        m.put("checkpointing", checkpointing);
        m.put("logit_block_rows", logitBlockRows);
        m.put("base_dtype", baseDtype().toString());
        return m;
    }
}
