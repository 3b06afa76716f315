package dev.deliberate.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A LoRA adapter's settings as PEFT's {@code LoraConfig} names them (huggingface/peft
 * {@code src/peft/tuners/lora/config.py}): rank {@code r}, {@code lora_alpha}, {@code target_modules} (the short
 * module names {@code q_proj … down_proj}), {@code lora_dropout} on the adapter's input, and {@code use_rslora}
 * (scale α/√r instead of α/r, Kalajdzievski 2023), and {@code modules_to_save}: the embedding and LM head trained in
 * full beside the adapters, as a copy (PEFT's {@code ModulesToSaveWrapper}), while the frozen original stays the
 * reference when the adapters are off.
 */
public record LoraConfig(int r, double alpha, List<String> targets, double dropout, boolean rsLora, List<String> modulesToSave) {
    /** The linear layers of a Llama-family block under PEFT's names; {@code all-linear} means all of them (not lm_head). */
    public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    /** What {@code modules_to_save} may name: the token embedding and the LM head (one matrix in a tied model). */
    public static final List<String> SAVABLE = List.of("embed_tokens", "lm_head");

    public LoraConfig(int r, double alpha, List<String> targets, double dropout, boolean rsLora) {
        this(r, alpha, targets, dropout, rsLora, List.of());
    }

    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("LoRA rank r must be >= 1, got " + r);
        if (!(alpha > 0)) throw new IllegalArgumentException("LoRA alpha must be > 0, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        if (targets.isEmpty()) throw new IllegalArgumentException("LoRA needs at least one target module");
        for (String t : targets)
            if (!MODULES.contains(t))
                throw new IllegalArgumentException("LoRA target '" + t + "' is not a linear layer of this model; expected all-linear or some of " + MODULES);
        targets = List.copyOf(new LinkedHashSet<>(targets));
        for (String m : modulesToSave)
            if (!SAVABLE.contains(m))
                throw new IllegalArgumentException("modules_to_save '" + m + "' is not supported; the engine trains in full only " + SAVABLE);
        modulesToSave = List.copyOf(new LinkedHashSet<>(modulesToSave));
    }

    public boolean saves(String module) {
        return modulesToSave.contains(module);
    }

    /** The factor on {@code B·A·x}: α/r, or α/√r with rsLoRA (PEFT's {@code scaling}). */
    public double scaling() {
        return rsLora ? alpha / Math.sqrt(r) : alpha / r;
    }

    public boolean targets(String module) {
        return targets.contains(module);
    }

    /**
     * Parses {@code r=16,alpha=32,targets=all-linear[,dropout=0.05][,rslora=true]}; several targets are joined with
     * {@code +} ({@code targets=q_proj+v_proj}); {@code save=embed_tokens+lm_head} (PEFT's {@code modules_to_save})
     * also trains those in full. Defaults: r 16, alpha 2·r, all-linear, dropout 0, no rsLoRA, nothing saved in full.
     */
    public static LoraConfig parse(String spec) {
        int r = 16;
        Double alpha = null;
        double dropout = 0;
        boolean rs = false;
        List<String> targets = MODULES, save = List.of();
        Set<String> seen = new LinkedHashSet<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("LoRA setting '" + p + "' is not key=value (expected e.g. r=16,alpha=32,targets=all-linear)");
            String k = p.substring(0, eq).strip().toLowerCase(Locale.ROOT), v = p.substring(eq + 1).strip();
            if (!seen.add(k)) throw new IllegalArgumentException("LoRA setting '" + k + "' given twice");
            try {
                switch (k) {
                    case "r" -> r = Integer.parseInt(v);
                    case "alpha", "lora_alpha" -> alpha = Double.parseDouble(v);
                    case "dropout", "lora_dropout" -> dropout = Double.parseDouble(v);
                    case "rslora", "use_rslora" -> {
                        if (!v.equals("true") && !v.equals("false")) throw new IllegalArgumentException("rslora must be true or false, got '" + v + "'");
                        rs = v.equals("true");
                    }
                    case "targets", "target_modules" -> {
                        if (v.equals("all-linear")) targets = MODULES;
                        else {
                            targets = new ArrayList<>();
                            for (String t : v.split("\\+")) if (!t.isBlank()) targets.add(t.strip());
                        }
                    }
                    case "save", "modules_to_save" -> save = java.util.Arrays.stream(v.split("\\+")).map(String::strip).filter(t -> !t.isEmpty()).toList();
                    default -> throw new IllegalArgumentException("unknown LoRA setting '" + k + "' (expected r, alpha, targets, dropout, rslora, save)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("LoRA setting " + k + "=" + v + " is not a number");
            }
        }
        return new LoraConfig(r, alpha == null ? 2.0 * r : alpha, targets, dropout, rs, save);
    }

    /** The spec {@link #parse} reads back. */
    public String spec() {
        String t = targets.equals(MODULES) ? "all-linear" : String.join("+", targets);
        return "r=" + r + ",alpha=" + alpha + ",targets=" + t + ",dropout=" + dropout + (rsLora ? ",rslora=true" : "")
                + (modulesToSave.isEmpty() ? "" : ",save=" + String.join("+", modulesToSave));
    }
}
