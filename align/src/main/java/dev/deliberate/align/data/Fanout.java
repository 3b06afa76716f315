package dev.deliberate.align.data;

import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Where a generation run's prompts are worked on: on threads of this process ({@link #threads}), or on a cluster
 * (the {@code spark} module's engine). Either way the results are committed here, through the same
 * {@link GenerationRun} ledger and record keys, in the prompts' order, so the datasets do not depend on the engine.
 */
public interface Fanout {

    /**
     * Produces every item not {@code done} and hands each result to {@code commit} in list order, on the calling
     * thread; the first failure stops the job after committing everything before it.
     *
     * @param work the per-prompt work as built in this process; an engine that runs elsewhere rebuilds the same
     *             work from its {@link WorkRecipe} instead of shipping this function
     * @return how many items this call committed
     */
    int run(List<LabelledPrompt> items, Predicate<LabelledPrompt> done, Function<LabelledPrompt, GenerationRun.Produced> work,
            BiConsumer<LabelledPrompt, GenerationRun.Produced> commit, String stage, ProgressListener progress);

    /** {@code threads} prompts at once in this process ({@link ResumableJob}). */
    static Fanout threads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        return (items, done, work, commit, stage, progress) -> ResumableJob.run(items, done, threads, work, commit, stage, progress);
    }

    /** Makes a cluster engine, given the user's engine settings (e.g. {@code master}) and what the stage is. */
    interface Provider {
        /** The name after {@code --engine}, e.g. {@code spark}. */
        String name();

        Fanout create(java.util.Map<String, String> settings, WorkRecipe recipe);
    }

    /** The engine called {@code name} among those on the class path ({@link java.util.ServiceLoader}). */
    static java.util.Optional<Provider> provider(String name) {
        for (Provider p : java.util.ServiceLoader.load(Provider.class)) if (p.name().equals(name)) return java.util.Optional.of(p);
        return java.util.Optional.empty();
    }
}
