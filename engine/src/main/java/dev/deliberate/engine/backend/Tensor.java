package dev.deliberate.engine.backend;

/**
 * A backend-owned buffer of fp32 values. Model and training code never look inside: they pass handles to the
 * {@link Backend} that allocated them, so a GPU backend can keep the data in device memory.
 */
public interface Tensor {
    /** Number of fp32 elements. */
    long size();
}
