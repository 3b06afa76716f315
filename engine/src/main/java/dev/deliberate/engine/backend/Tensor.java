package dev.deliberate.engine.backend;

/**
 * A backend-owned buffer of fp32 values, or of bf16 ones for a frozen weight ({@link Backend#toBf16}). Model and
 * training code never look inside: they pass handles to the {@link Backend} that allocated them, so a GPU backend can
 * keep the data in device memory.
 */
public interface Tensor {
    /** Number of elements. */
    long size();

    /** Bytes the elements take: 4 each for fp32, 2 for bf16. */
    default long bytes() {
        return size() * Float.BYTES;
    }
}
