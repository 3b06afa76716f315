package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;

import java.util.SplittableRandom;

/**
 * A LoRA adapter on one linear layer (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"):
 * {@code y += s · B·A·dropout(x)} with A {@code [r, in]}, B {@code [out, r]} and s = α/r (α/√r with rsLoRA), forward
 * and backward side by side. Initialised as PEFT's {@code LoraLayer.reset_lora_parameters}: A by
 * {@code kaiming_uniform_(a=√5)} — U(−1/√in, 1/√in) — and B zero, so a fresh adapter leaves the model unchanged.
 *
 * <p>The forward saves only {@code su = s·(dropout(x)·Aᵀ)} ({@code [rows, r]}); the dropout mask is re-derived from
 * its seed in the backward rather than stored.
 */
final class Lora {
    final Parameter a, b;
    final int in, out, r;
    final float scaling, dropout;
    /** Distinguishes this adapter's dropout masks from every other's. */
    private final long salt;
    private Tensor savedSu; // s·u of the last training forward, [cap, r]
    private int savedCap;

    Lora(Parameter a, Parameter b, int in, int out, LoraConfig cfg, long salt) {
        this.a = a;
        this.b = b;
        this.in = in;
        this.out = out;
        this.r = cfg.r();
        this.scaling = (float) cfg.scaling();
        this.dropout = (float) cfg.dropout();
        this.salt = salt;
    }

    /** PEFT's initialisation: A ~ U(−1/√in, 1/√in) (kaiming_uniform_ with a = √5), B = 0. */
    void initialize(Backend be, SplittableRandom rng) {
        float bound = (float) (1 / Math.sqrt(in));
        float[] v = new float[r * in];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        be.upload(v, 0, a.value(), 0, v.length);
        be.zero(b.value());
    }

    /** Work space every adapter of a model shares: {@code u} is {@code [cap, maxR]}, {@code xd} is {@code [cap, maxIn]}. */
    static final class Scratch {
        Tensor u, xd;
        int cap;
        final int maxR, maxIn;

        Scratch(int maxR, int maxIn) {
            this.maxR = maxR;
            this.maxIn = maxIn;
        }

        void ensure(Backend be, int rows) {
            if (rows <= cap) return;
            u = null;
            xd = null;
            u = be.allocate((long) rows * maxR);
            xd = be.allocate((long) rows * maxIn);
            cap = rows;
        }
    }

    private long seed(long stepSeed) {
        long z = stepSeed ^ (salt * 0xD1B54A32D192ED03L);
        return z * 0x9E3779B97F4A7C15L + salt;
    }

    /**
     * {@code y += s·B·A·dropout(x)}. A training forward ({@code training}) applies dropout with {@code stepSeed} and
     * keeps {@code su} for {@link #backward}; otherwise no dropout and nothing is kept.
     */
    void forward(Backend be, Tensor x, Tensor y, int rows, Scratch s, boolean training, long stepSeed) {
        s.ensure(be, rows);
        Tensor src = x;
        if (training && dropout > 0) {
            be.dropout(x, s.xd, (long) rows * in, dropout, seed(stepSeed));
            src = s.xd;
        }
        Tensor su = s.u;
        if (training) {
            if (rows > savedCap) {
                savedSu = null;
                savedSu = be.allocate((long) rows * r);
                savedCap = rows;
            }
            su = savedSu;
        }
        be.matmul(false, true, rows, r, in, src, 0, a.value(), 0, su, 0, false);
        be.scale(su, (long) rows * r, scaling);
        be.matmul(false, true, rows, out, r, su, 0, b.value(), 0, y, 0, true);
    }

    /**
     * With {@code x} the input and {@code dy} the output gradient of the last training forward: {@code dB += dyᵀ·su},
     * {@code du = s·dy·B}, {@code dA += duᵀ·dropout(x)}, {@code dx += dropout'(du·A)} (always accumulating).
     */
    void backward(Backend be, Tensor dy, Tensor x, Tensor dx, int rows, Scratch s, long stepSeed) {
        if (savedSu == null || rows > savedCap) throw new IllegalStateException("LoRA backward without its training forward");
        s.ensure(be, rows);
        be.matmul(true, false, out, r, rows, dy, 0, savedSu, 0, b.grad(be), 0, true);
        Tensor du = s.u;
        be.matmul(false, false, rows, r, out, dy, 0, b.value(), 0, du, 0, false);
        be.scale(du, (long) rows * r, scaling);
        long n = (long) rows * in;
        if (dropout > 0) {
            long seed = seed(stepSeed);
            be.dropout(x, s.xd, n, dropout, seed);
            be.matmul(true, false, r, in, rows, du, 0, s.xd, 0, a.grad(be), 0, true);
            if (dx != null) {
                be.matmul(false, false, rows, in, r, du, 0, a.value(), 0, s.xd, 0, false);
                be.dropout(s.xd, s.xd, n, dropout, seed); // the same mask and 1/(1−p): d dropout(x)/dx
                be.add(dx, s.xd, n);
            }
        } else {
            be.matmul(true, false, r, in, rows, du, 0, x, 0, a.grad(be), 0, true);
            if (dx != null) be.matmul(false, false, rows, in, r, du, 0, a.value(), 0, dx, 0, true);
        }
    }

    /** {@code W += s·B·A} on a base weight {@code [out, in]} (PEFT's {@code merge}). */
    void mergeInto(Backend be, Tensor w, float sign) {
        Tensor ba = be.allocate((long) out * in);
        be.matmul(false, false, out, in, r, b.value(), 0, a.value(), 0, ba, 0, false);
        be.scale(ba, (long) out * in, sign * scaling);
        be.add(w, ba, (long) out * in);
    }
}
