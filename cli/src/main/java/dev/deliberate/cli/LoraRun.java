package dev.deliberate.cli;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.io.PeftAdapter;
import dev.deliberate.engine.io.Safetensors;
import dev.deliberate.engine.model.BaseDtype;
import dev.deliberate.engine.model.LoraConfig;
import dev.deliberate.engine.model.Transformer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code --lora}, {@code --merge}, {@code --base-dtype}, {@code --checkpointing} and {@code --logit-block-rows} change in a
 * {@code train} run:
 * the model a reference names (a checkpoint, an adapter folder or {@code BASE+ADAPTER}), the adapter attached, how the
 * frozen base is held, and the output. The adapter's format does not depend on {@code --base-dtype}; with bf16,
 * {@code --merge} writes the bf16-rounded base plus the adapter (as fp32).
 */
final class LoraRun {
    private LoraRun() {}

    /** The tokenizer folder a model reference implies (the adapter's when it carries one). */
    static Path tokenizerDir(Path modelRef) {
        try {
            return PeftAdapter.resolve(modelRef.toString()).tokenizerDir();
        } catch (IOException e) {
            return modelRef;
        }
    }

    /**
     * Loads {@code modelRef} for training as {@code o} asks. An incoming adapter is trained further with {@code --lora}
     * (its own settings; the spec must agree), else merged into the weights for full fine-tuning.
     */
    static Transformer load(Path modelRef, TrainOptions o) {
        BaseDtype baseDtype = o.baseDtype(); // a wrong --base-dtype is said before the model is read
        PeftAdapter.Reference ref;
        Transformer m;
        try {
            ref = PeftAdapter.resolve(modelRef.toString());
            m = PeftAdapter.load(ref, new CpuBackend(), o.checkFinite);
        } catch (IOException | RuntimeException e) {
            String msg = String.valueOf(e.getMessage());
            throw new UserError("cannot load the model " + modelRef + ": " + msg + (msg.contains("non-finite") ? " (--no-check-finite loads it anyway)"
                    : " (give a Hugging Face folder with config.json and model.safetensors, a PEFT adapter folder, or BASE_DIR+ADAPTER_DIR)"));
        }
        LoraConfig wanted = spec(o);
        if (m.lora() != null && wanted == null) m.mergeAdapters();
        else if (m.lora() != null && !sameShape(m.lora(), m.effective(wanted)))
            throw new UserError("--lora " + o.lora + " differs from the adapter being continued (" + ref.adapter() + ": " + m.lora().spec()
                    + "); give the same r, alpha, targets and save, or start from a merged checkpoint");
        else if (m.lora() == null && wanted != null) m.attachLora(wanted, o.seed);
        if (m.lora() != null) {
            o.loraBase = ref.base().toAbsolutePath().normalize();
            m.setBaseDtype(baseDtype); // bf16: the frozen matrices now held once, at half the memory
        }
        o.applyTo(m);
        return m;
    }

    private static boolean sameShape(LoraConfig a, LoraConfig b) {
        return a.r() == b.r() && a.alpha() == b.alpha() && a.targets().equals(b.targets()) && a.rsLora() == b.rsLora()
                && a.modulesToSave().equals(b.modulesToSave());
    }

    static LoraConfig spec(TrainOptions o) {
        if (o.lora == null) {
            if (o.merge) throw new UserError("--merge needs --lora (a full fine-tune already writes a full checkpoint)");
            return null;
        }
        try {
            return LoraConfig.parse(o.lora);
        } catch (IllegalArgumentException e) {
            throw new UserError("--lora " + o.lora + ": " + e.getMessage());
        }
    }

    /**
     * Saves a LoRA run: the PEFT adapter folder {@code out/adapter} (with the tokenizer files), and with {@code --merge}
     * the merged checkpoint {@code out/checkpoint}. Adds what it wrote to {@code summary}.
     */
    static void save(Transformer model, Path out, Path tokenizerDir, TrainOptions o, Map<String, Object> summary) throws IOException {
        Path adapter = out.resolve("adapter");
        PeftAdapter.write(model, adapter, o.loraBase == null ? null : o.loraBase.toString(), tokenizerDir);
        summary.put("adapter", adapter.toString());
        summary.put("lora", model.lora().spec());
        if (o.merge) {
            model.mergeAdapters();
            Checkpoint.save(model, out.resolve("checkpoint"), new Checkpoint.Options(tokenizerDir, Checkpoint.DEFAULT_SHARD_BYTES, Safetensors.DType.F32, null));
            summary.put("checkpoint", out.resolve("checkpoint").toString());
        }
    }
}
