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
    private final Tensor value;
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

    /** Whether training updates this tensor (false for a LoRA run's frozen base weights). */
    public boolean trainable() {
        return trainable;
    }

    void setTrainable(boolean trainable) {
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
