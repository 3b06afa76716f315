package dev.deliberate.align.data;

import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.io.JsonlAppender;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The resumable skeleton every generator shares. A run folder holds one or more datasets (JSONL, each record keyed
 * at {@code /meta/key}) and a ledger with one {@link PromptOutcome} per finished prompt. For each prompt, in order,
 * its records are appended first and its ledger line last; a rerun skips prompts in the ledger and never appends a
 * record whose key is already there, so a kill between the two appends loses and duplicates nothing.
 */
public final class GenerationRun {
    public static final String LEDGER = "ledger.jsonl";
    /** The ledger outcome of a prompt that does not fit the teacher's context: skipped, the run goes on. */
    public static final String SKIPPED_TOO_LONG = "skipped:prompt-too-long";

    private GenerationRun() {}

    /** A record for one of the run's datasets. */
    public record Output(String file, Object record, String key) {}

    /** What one prompt produced: its records (possibly none) and its ledger line. */
    public record Produced(List<Output> outputs, PromptOutcome outcome) {
        public Produced {
            outputs = List.copyOf(outputs);
        }
    }

    /**
     * Works through {@code prompts}, resuming where an earlier run in {@code out} stopped.
     *
     * @param files the dataset file names in {@code out} that outputs may name
     * @return the ledger lines of all {@code prompts}, in their order (earlier runs' included)
     */
    public static List<PromptOutcome> run(Path out, List<String> files, List<LabelledPrompt> prompts, int threads,
                                          Function<LabelledPrompt, Produced> work, String stage, ProgressListener progress) {
        return run(out, files, prompts, Fanout.threads(threads), work, stage, progress);
    }

    /** {@link #run(Path, List, List, int, Function, String, ProgressListener)} on the given engine. */
    public static List<PromptOutcome> run(Path out, List<String> files, List<LabelledPrompt> prompts, Fanout fanout,
                                          Function<LabelledPrompt, Produced> work, String stage, ProgressListener progress) {
        var ids = new HashSet<String>();
        for (LabelledPrompt p : prompts)
            if (!ids.add(p.id())) throw new IllegalArgumentException("prompt id '" + p.id() + "' appears twice; ids key the run's records and must be unique");
        Map<String, JsonlAppender> data = new LinkedHashMap<>();
        try (JsonlAppender ledger = JsonlAppender.open(out.resolve(LEDGER), "/key")) {
            for (String f : files) data.put(f, JsonlAppender.open(out.resolve(f), "/meta/key"));
            fanout.run(prompts, p -> ledger.contains(p.id()), skippingTooLong(work), (p, produced) -> {
                if (!produced.outcome().key().equals(p.id()))
                    throw new IllegalStateException("outcome key " + produced.outcome().key() + " for prompt " + p.id());
                for (Output o : produced.outputs()) {
                    JsonlAppender a = data.get(o.file());
                    if (a == null) throw new IllegalStateException("no dataset file " + o.file() + " in this run (have " + files + ")");
                    if (!a.contains(o.key())) a.append(o.record());
                }
                ledger.append(produced.outcome());
            }, stage, progress);
        } finally {
            for (JsonlAppender a : data.values()) a.close();
        }
        return outcomes(out, prompts);
    }

    /**
     * {@link #run}, then the summary: records per dataset file, the generator's figures from the ledger, and the wall
     * time; written to {@code summary.json} and returned.
     */
    public static GenerationSummary generate(String name, Path out, List<String> files, List<LabelledPrompt> prompts, int threads,
                                             Function<LabelledPrompt, Produced> work, Function<List<PromptOutcome>, Map<String, Object>> figures,
                                             ProgressListener progress) {
        return generate(name, out, files, prompts, Fanout.threads(threads), work, figures, progress);
    }

    /** {@link #generate(String, Path, List, List, int, Function, Function, ProgressListener)} on the given engine. */
    public static GenerationSummary generate(String name, Path out, List<String> files, List<LabelledPrompt> prompts, Fanout fanout,
                                             Function<LabelledPrompt, Produced> work, Function<List<PromptOutcome>, Map<String, Object>> figures,
                                             ProgressListener progress) {
        long t0 = System.nanoTime();
        var outcomes = run(out, files, prompts, fanout, work, name, progress);
        Map<String, Integer> records = new LinkedHashMap<>();
        for (String f : files) records.put(f, java.nio.file.Files.exists(out.resolve(f)) ? Jsonl.readTrees(out.resolve(f)).size() : 0);
        var summary = GenerationSummary.of(name, outcomes, records, figures.apply(outcomes), (System.nanoTime() - t0) / 1e9);
        summary.write(out);
        return summary;
    }

    /**
     * The stage's work, except that a prompt the model cannot take ({@link dev.deliberate.align.llm.PromptTooLongException})
     * is recorded in the ledger as {@link #SKIPPED_TOO_LONG} instead of stopping the run. Every engine runs this wrapper.
     */
    public static Function<LabelledPrompt, Produced> skippingTooLong(Function<LabelledPrompt, Produced> work) {
        return p -> {
            try {
                return work.apply(p);
            } catch (dev.deliberate.align.llm.PromptTooLongException e) {
                var note = new PromptOutcome.SampleNote(0, "skipped", 0, false, null, e.getMessage(), -1, -1);
                return new Produced(List.of(), new PromptOutcome(p.id(), p.id(), p.category(), p.intent().wire(), p.attack(),
                        SKIPPED_TOO_LONG, List.of(note), Map.of()));
            }
        };
    }

    /** The ledger lines for {@code prompts}, in their order. */
    public static List<PromptOutcome> outcomes(Path out, List<LabelledPrompt> prompts) {
        Map<String, PromptOutcome> byKey = new HashMap<>();
        for (PromptOutcome o : Jsonl.read(out.resolve(LEDGER), PromptOutcome.class)) byKey.put(o.key(), o);
        List<PromptOutcome> list = new ArrayList<>(prompts.size());
        for (LabelledPrompt p : prompts) {
            PromptOutcome o = byKey.get(p.id());
            if (o == null) throw new IllegalStateException(out.resolve(LEDGER) + " has no line for prompt " + p.id() + " after the run");
            list.add(o);
        }
        return list;
    }
}
