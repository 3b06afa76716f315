package dev.deliberate.engine.backend.cpu;

import dev.deliberate.engine.backend.Backend;

/** {@link Backend#dropout} on arrays, split over the worker pool; the mask is {@link Backend#dropoutKeeps}'s. */
final class Dropout {
    private Dropout() {}

    static void apply(float[] x, float[] y, int n, float p, long seed) {
        float scale = 1f / (1f - p);
        Parallel.forRange(n, 1 << 14, (i0, i1) -> {
            for (int i = i0; i < i1; i++) y[i] = Backend.dropoutKeeps(seed, i, p) ? x[i] * scale : 0f;
        });
    }
}
