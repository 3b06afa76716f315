package dev.deliberate.align.eval.harness;

/**
 * A prompt's representation inside a model, for the embedding map of prompt types (SaRO §5). The local engine
 * implements it with the mean-pooled hidden states of a chosen layer; any model that exposes hidden states can.
 */
public interface Embedder {

    /** Provenance for {@code embedding.json}, e.g. {@code runs/demo/saro/checkpoint layer 4 mean-pooled}. */
    String id();

    /** The prompt's vector; every call returns the same length. */
    double[] embed(String prompt);
}
