package dev.deliberate.align.eval.harness;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Where an evaluation's (item, attack) cells are worked on when not on {@link EvalConfig#threads} threads here: a
 * cluster engine (the {@code spark} module's). Results are committed by {@link EvalRunner} in this process, into
 * the same {@code results.jsonl} under the same keys, so the metrics do not depend on the engine.
 */
public interface EvalEngine {

    /**
     * Produces the results of every cell and hands them to {@code commit} in list order, on the calling thread.
     *
     * @param work the cell's work as built here; an engine that runs elsewhere rebuilds it from its {@link CellRecipe}
     */
    void run(List<EvalCase> cells, Function<EvalCase, List<EvalResult>> work, BiConsumer<EvalCase, List<EvalResult>> commit);

    /** An evaluation as plain values, from which a worker builds the same per-cell work ({@link EvalRunner#cellWork}). */
    interface CellRecipe extends Serializable {
        /** Maps a cell's key ({@link EvalCase#key} of sample 0) to its results. */
        interface Work extends Function<String, List<EvalResult>>, AutoCloseable {
            @Override
            void close();
        }

        Work open();
    }

    /** Makes a cluster engine from the user's settings (e.g. {@code master}). */
    interface Provider {
        String name();

        EvalEngine create(Map<String, String> settings, CellRecipe recipe);
    }

    static Optional<Provider> provider(String name) {
        for (Provider p : ServiceLoader.load(Provider.class)) if (p.name().equals(name)) return Optional.of(p);
        return Optional.empty();
    }
}
