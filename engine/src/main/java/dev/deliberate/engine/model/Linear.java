package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;

/** A linear layer {@code y = x·Wᵀ + b} with W stored as HF's {@code [out, in]}; forward and backward side by side. */
final class Linear {
    final Parameter weight;
    final Parameter bias; // null when the layer has none
    final int in, out;

    Linear(Parameter weight, Parameter bias, int in, int out) {
        this.weight = weight;
        this.bias = bias;
        this.in = in;
        this.out = out;
    }

    /** {@code y (+)= x·Wᵀ + b} over {@code rows} rows; {@code accumulate} adds onto y (a residual connection). */
    void forward(Backend be, Tensor x, Tensor y, int rows, boolean accumulate) {
        be.matmul(false, true, rows, out, in, x, 0, weight.value(), 0, y, 0, accumulate);
        if (bias != null) be.biasAdd(y, bias.value(), rows, out);
    }

    /** {@code dx (+)= dy·W}; {@code dW += dyᵀ·x}; {@code db += Σ_rows dy}. */
    void backward(Backend be, Tensor dy, Tensor x, Tensor dx, int rows, boolean accumulateDx) {
        be.matmul(true, false, out, in, rows, dy, 0, x, 0, weight.grad(be), 0, true);
        if (bias != null) be.biasBackward(dy, bias.grad(be), rows, out);
        if (dx != null) be.matmul(false, false, rows, in, out, dy, 0, weight.value(), 0, dx, 0, accumulateDx);
    }
}
