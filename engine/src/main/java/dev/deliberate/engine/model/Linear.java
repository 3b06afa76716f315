package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;

/**
 * A linear layer {@code y = x·Wᵀ + b} with W stored as HF's {@code [out, in]}, optionally with a {@link Lora} adapter;
 * forward and backward side by side. A frozen weight gets no gradient; the input gradient always flows.
 */
final class Linear {
    final Parameter weight;
    final Parameter bias; // null when the layer has none
    final int in, out;
    Lora lora; // null without an adapter

    Linear(Parameter weight, Parameter bias, int in, int out) {
        this.weight = weight;
        this.bias = bias;
        this.in = in;
        this.out = out;
    }

    /** {@code y (+)= x·Wᵀ + b} over {@code rows} rows; {@code accumulate} adds onto y (a residual connection). */
    void forward(Backend be, Tensor x, Tensor y, int rows, boolean accumulate) {
        forwardRows(be, x, 0, y, rows, accumulate);
    }

    /** As {@link #forward} for rows {@code x0…x0+rows−1} of x, written to y from its start (a block of the LM head). */
    void forwardRows(Backend be, Tensor x, int x0, Tensor y, int rows, boolean accumulate) {
        be.matmul(false, true, rows, out, in, x, (long) x0 * in, weight.value(), 0, y, 0, accumulate);
        if (bias != null) be.biasAdd(y, bias.value(), rows, out);
    }

    /** As {@link #forward}, plus the adapter's term when {@code adapters} is on. */
    void forward(Backend be, Tensor x, Tensor y, int rows, boolean accumulate, Adapters adapters) {
        forward(be, x, y, rows, accumulate);
        if (lora != null && adapters.enabled) lora.forward(be, x, y, rows, adapters.scratch, adapters.training, adapters.stepSeed);
    }

    /** {@code dx (+)= dy·W}; {@code dW += dyᵀ·x} unless frozen; {@code db += Σ_rows dy} unless frozen. */
    void backward(Backend be, Tensor dy, Tensor x, Tensor dx, int rows, boolean accumulateDx) {
        backwardRows(be, dy, x, 0, dx, rows, accumulateDx);
    }

    /** The backward of {@link #forwardRows}: dy holds the block from its start; x and dx are read and written at row x0. */
    void backwardRows(Backend be, Tensor dy, Tensor x, int x0, Tensor dx, int rows, boolean accumulateDx) {
        long off = (long) x0 * in;
        if (weight.trainable()) be.matmul(true, false, out, in, rows, dy, 0, x, off, weight.grad(be), 0, true);
        if (bias != null && bias.trainable()) be.biasBackward(dy, bias.grad(be), rows, out);
        if (dx != null) be.matmul(false, false, rows, in, out, dy, 0, weight.value(), 0, dx, off, accumulateDx);
    }

    /** As {@link #backward}, plus the adapter's gradients and its share of {@code dx}. */
    void backward(Backend be, Tensor dy, Tensor x, Tensor dx, int rows, boolean accumulateDx, Adapters adapters) {
        backward(be, dy, x, dx, rows, accumulateDx);
        if (lora != null && adapters.enabled) lora.backward(be, dy, x, dx, rows, adapters.scratch, adapters.stepSeed);
    }

    /** The model-wide adapter switch and the current pass's mode (training: dropout and saved state; its seed). */
    static final class Adapters {
        boolean enabled = true, training;
        long stepSeed;
        Lora.Scratch scratch;
    }
}
