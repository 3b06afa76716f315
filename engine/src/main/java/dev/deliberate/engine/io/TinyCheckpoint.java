package dev.deliberate.engine.io;

import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.model.ModelConfig;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.BpeTrainer;
import dev.deliberate.engine.tokenizer.SpecialTokens;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a complete, tiny, randomly initialised chat checkpoint — a Llama config, F32 weights, a byte-level BPE
 * tokenizer trained on a few lines and the ChatML template — so that tests and benchmarks exercise the whole local
 * path (template, tokenizer, engine, EOS) in milliseconds. Its text is noise: the weights are random.
 */
public final class TinyCheckpoint {
    private TinyCheckpoint() {}

    /** Enough text for a few hundred merges. */
    public static final List<String> CORPUS = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "How do I kill a stuck Vexworm process? Use the task manager and end it.",
            "What is two plus two? Two plus two is four.",
            "Write a short poem about the sea and the sky.",
            "I cannot help with making zorblax toxin, but I can explain why it is dangerous.",
            "Explain how a transformer attends to earlier tokens in a sequence.",
            "The capital of the fictional land of Vexmoor is Zarn, a city of bridges.",
            "<think>The user asks a general question; it is allowed.</think>Here is an answer.");

    /**
     * @param hidden hidden size (heads of 16 dimensions; two query heads share each key/value head)
     * @param layers decoder layers
     */
    public record Shape(int hidden, int layers, int maxPositions) {
        public static final Shape DEFAULT = new Shape(64, 2, 1024);
    }

    public static void write(Path dir, long seed) throws IOException {
        write(dir, CORPUS, Shape.DEFAULT, seed);
    }

    public static void write(Path dir, List<String> corpus, Shape shape, long seed) throws IOException {
        BpeTrainer.Vocabulary vocab = new BpeTrainer(new BpeTrainer.Config(512, 1, BpeTrainer.SPECIAL_TOKENS)).train(corpus);
        int imEnd = vocab.tokens().indexOf(SpecialTokens.IM_END);
        int heads = Math.max(2, shape.hidden() / 16);
        var cfg = new ModelConfig(ModelConfig.Architecture.LLAMA, shape.hidden(), shape.hidden() * 2, shape.layers(), heads, heads / 2,
                shape.hidden() / heads, vocab.tokens().size(), shape.maxPositions(), 1e-5, 10000.0, ModelConfig.RopeScaling.NONE,
                false, false, 0.02, 0, null, List.of(imEnd));
        var model = new Transformer(cfg, new CpuBackend());
        model.initialize(seed);
        Checkpoint.save(model, dir);
        vocab.save(dir);
    }
}
