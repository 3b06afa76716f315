package dev.deliberate.engine.model;

import java.util.List;

/** Named shapes for models trained from scratch; the vocabulary comes from the tokenizer they are trained with. */
public final class ModelPresets {
    private ModelPresets() {}

    public static final List<String> NAMES = List.of("tiny", "small");

    /**
     * {@code tiny}: 256 hidden, 4 layers, 4 heads (the bench's tiny shape); {@code small}: 768 hidden, 12 layers,
     * 12 heads. Both Llama, untied, 1024 positions.
     */
    public static ModelConfig of(String name, int vocabSize, List<Integer> eosTokenIds) {
        ModelConfig base = switch (name) {
            case "tiny" -> ModelConfig.llama(256, 768, 4, 4, 4, vocabSize, 1024);
            case "small" -> ModelConfig.llama(768, 2048, 12, 12, 12, vocabSize, 1024);
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "' (choose " + String.join(", ", NAMES) + ", or give a config.json)");
        };
        return withEos(base, eosTokenIds);
    }

    /** The same shape with these end-of-sequence ids (written to config.json and generation_config.json). */
    public static ModelConfig withEos(ModelConfig c, List<Integer> eosTokenIds) {
        return new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(),
                c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tieWordEmbeddings(), c.attentionBias(),
                c.initializerRange(), c.slidingWindow(), c.bosTokenId(), eosTokenIds);
    }
}
