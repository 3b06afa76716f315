package dev.deliberate.engine.model;

import java.util.Locale;

/**
 * How a LoRA run holds its frozen base weights: fp32, or bf16 at half the memory ({@link Transformer#setBaseDtype}).
 * A bf16 weight is stored once and widened to fp32 only inside the matrix multiply's packing, so the model computes
 * exactly what an fp32 model whose weights were first rounded to bf16 computes.
 */
public enum BaseDtype {
    FP32(Float.BYTES), BF16(Short.BYTES);

    private final int bytes;

    BaseDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** {@code fp32} or {@code bf16} (any case), the CLI's {@code --base-dtype}. */
    public static BaseDtype parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "fp32", "f32", "float32" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown base dtype '" + s + "' (fp32 or bf16)");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
