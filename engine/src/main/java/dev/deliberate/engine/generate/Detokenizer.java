package dev.deliberate.engine.generate;

/** Turns generated token ids into text, so stop strings can be matched without the engine knowing a tokenizer. */
@FunctionalInterface
public interface Detokenizer {
    String decode(int[] tokens, int length);
}
