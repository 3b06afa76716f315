package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;

import java.util.Arrays;

/**
 * One learnable tensor under its Hugging Face name, with its gradient (allocated the first time training needs it).
 */
public final class Parameter {
    private final String name;
    private final long[] shape;
    private Tensor value;
    private BaseDtype dtype = BaseDtype.FP32;
    private Tensor grad;
    private boolean trainable = true;

    Parameter(Backend backend, String name, long... shape) {
        this.name = name;
        this.shape = shape.clone();
        this.value = backend.allocate(elements(shape));
    }

    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String name() {
        return name;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long size() {
        return value.size();
    }

    public Tensor value() {
        return value;
    }

    /** How the value is held: fp32, or bf16 for a frozen LoRA base weight ({@link Transformer#setBaseDtype}). */
    public BaseDtype dtype() {
        return dtype;
    }

    /** Bytes the value holds (4 per element in fp32, 2 in bf16; the gradient not counted). */
    public long bytes() {
        return value.bytes();
    }

    /**
     * Re-stores the value as {@code to} and drops the old copy: to bf16 rounds to nearest even, back to fp32 widens
     * exactly (the rounding stays). Only a frozen tensor may be held as bf16: no kernel updates one.
     */
    void storeAs(Backend backend, BaseDtype to) {
        if (to == dtype) return;
        if (to == BaseDtype.BF16 && trainable)
            throw new IllegalStateException(name + " is trainable; only frozen weights can be held as bf16");
        value = to == BaseDtype.BF16 ? backend.toBf16(value) : backend.toFp32(value);
        dtype = to;
    }

    /** Whether training updates this tensor (false for a LoRA run's frozen base weights). */
    public boolean trainable() {
        return trainable;
    }

    void setTrainable(boolean trainable) {
        if (trainable && dtype != BaseDtype.FP32)
            throw new IllegalStateException(name + " is held as " + dtype + "; widen it to fp32 before training it");
        this.trainable = trainable;
        if (!trainable) grad = null;
    }

    /** The gradient tensor, allocated zeroed on first use. */
    public Tensor grad(Backend backend) {
        if (grad == null) grad = backend.allocate(value.size());
        return grad;
    }

    /** The gradient if training has allocated it, else null. */
    public Tensor gradOrNull() {
        return grad;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
