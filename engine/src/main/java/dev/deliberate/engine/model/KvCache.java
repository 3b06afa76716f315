package dev.deliberate.engine.model;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;

/** Keys and values of past positions per layer, laid out {@code [slots, maxSeq, kvHeads·headDim]}. */
public final class KvCache {
    final Tensor[] keys, values;
    final int slots, maxSeq;

    public KvCache(Backend backend, ModelConfig cfg, int slots, int maxSeq) {
        this.slots = slots;
        this.maxSeq = maxSeq;
        keys = new Tensor[cfg.numHiddenLayers()];
        values = new Tensor[cfg.numHiddenLayers()];
        long n = (long) slots * maxSeq * cfg.kvDim();
        for (int l = 0; l < keys.length; l++) {
            keys[l] = backend.allocate(n);
            values[l] = backend.allocate(n);
        }
    }

    public int slots() {
        return slots;
    }

    public int maxSeq() {
        return maxSeq;
    }
}
