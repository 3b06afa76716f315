package dev.deliberate.align.data;

import dev.deliberate.align.prompt.LabelledPrompt;

import java.io.Serializable;
import java.util.function.Function;

/**
 * What a generation stage's per-prompt work is built from, as plain values (model references, spec text,
 * settings), so that another machine can build the very same work: a cluster engine ships the recipe, not the
 * models. {@link #open} must give work equal to what the stage builds locally.
 */
public interface WorkRecipe extends Serializable {

    /** The work and what it holds open (models, judges). */
    interface Work extends Function<LabelledPrompt, GenerationRun.Produced>, AutoCloseable {
        @Override
        void close();
    }

    /** Opens the models and returns the work; called once per worker process and reused for its tasks. */
    Work open();
}
