package dev.deliberate.align.eval.analysis;

import dev.deliberate.align.llm.LocalCheckpoint;
import dev.deliberate.align.llm.Message;

import java.nio.file.Path;
import java.util.List;

/**
 * A prompt's representation inside a local model for the embedding map of prompt types (SaRO §5): the user turn
 * rendered with the chat template, run through the first {@code layer} decoder layers, and the hidden states
 * mean-pooled over its tokens. Deterministic; safe to call from several threads (the engine runs under the
 * checkpoint's lock).
 */
public final class HiddenStateEmbedder implements AutoCloseable {
    private final LocalCheckpoint checkpoint;
    private final int layer;
    private final boolean owned;

    /** @param layer hidden states after this many decoder layers, 1..num_hidden_layers */
    public HiddenStateEmbedder(LocalCheckpoint checkpoint, int layer) {
        this(checkpoint, layer, false);
    }

    private HiddenStateEmbedder(LocalCheckpoint checkpoint, int layer, boolean owned) {
        int layers = checkpoint.model().config().numHiddenLayers();
        if (layer < 1 || layer > layers)
            throw new IllegalArgumentException("layer must be in 1.." + layers + " for " + checkpoint.dir() + ", got " + layer);
        this.checkpoint = checkpoint;
        this.layer = layer;
        this.owned = owned;
    }

    /** The middle layer ({@code num_hidden_layers / 2}, at least 1) of a checkpoint it shares. */
    public static HiddenStateEmbedder middle(LocalCheckpoint checkpoint) {
        return new HiddenStateEmbedder(checkpoint, middleLayer(checkpoint));
    }

    /** Opens the checkpoint folder for embedding only; {@code layer} null means the middle one. */
    public static HiddenStateEmbedder open(Path dir, Integer layer) {
        var c = LocalCheckpoint.open(dir);
        try {
            return new HiddenStateEmbedder(c, layer == null ? middleLayer(c) : layer, true);
        } catch (IllegalArgumentException e) {
            c.close();
            throw e;
        }
    }

    private static int middleLayer(LocalCheckpoint c) {
        return Math.max(1, c.model().config().numHiddenLayers() / 2);
    }

    /** Provenance, e.g. {@code /runs/demo/saro layer 4 mean-pooled}. */
    public String id() {
        return checkpoint.dir() + " layer " + layer + " mean-pooled";
    }

    public int layer() {
        return layer;
    }

    /** A vector of {@code hidden_size} values. */
    public double[] embed(String prompt) {
        int[] tokens = checkpoint.render(List.of(Message.user(prompt)), false).tokens();
        float[] h;
        checkpoint.lock().lock();
        try {
            h = checkpoint.model().hiddenStates(tokens, layer);
        } finally {
            checkpoint.lock().unlock();
        }
        int hs = checkpoint.model().config().hiddenSize();
        double[] mean = new double[hs];
        for (int t = 0; t < tokens.length; t++) for (int i = 0; i < hs; i++) mean[i] += h[t * hs + i];
        for (int i = 0; i < hs; i++) mean[i] /= tokens.length;
        return mean;
    }

    @Override
    public void close() {
        if (owned) checkpoint.close();
    }
}
