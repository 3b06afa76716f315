package dev.deliberate.align.saro;

import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.data.GenerationSummary;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.deliberative.DeliberativeDataGenerator;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.deliberative.JudgedSample;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * SaRO's reasoning-style warm-up set (Mou et al., 2025, §3.1): K (default 8) long-reasoning teacher samples per
 * safety or general prompt, judged; the shortest accepted one is kept ({@link ShortestRejectionSampler}). The summary
 * reports how much shorter the kept set is than a uniformly random accepted sample would be.
 */
public final class ReasoningWarmupGenerator {
    public static final String NAME = "saro-rw";
    public static final String DATASET = "sft.jsonl";

    private ReasoningWarmupGenerator() {}

    public static GenerationSummary run(GenerationConfig c, Spec spec, ChatModel teacher, Judge judge, List<LabelledPrompt> prompts, Path out,
                                        ProgressListener progress) {
        return GenerationRun.generate(NAME, out, List.of(DATASET), prompts, c.fanout(), work(c, spec, teacher, judge),
                ReasoningWarmupGenerator::figures, progress);
    }

    /** The per-prompt work of {@link #run}, which a cluster engine rebuilds on each worker. */
    public static Function<LabelledPrompt, GenerationRun.Produced> work(GenerationConfig c, Spec spec, ChatModel teacher, Judge judge) {
        var sampler = new SpecContextSampler(spec, teacher, judge, c.sampling());
        return p -> produce(c, sampler, p);
    }

    static GenerationRun.Produced produce(GenerationConfig c, SpecContextSampler sampler, LabelledPrompt p) {
        List<JudgedSample> samples = sampler.sampleAndJudge(p, c.seed());
        var sel = ShortestRejectionSampler.select(samples, s -> s.passes(c.threshold()), JudgedSample::length);
        var notes = samples.stream().map(s -> s.note(c.threshold())).toList();
        if (sel.kept().isEmpty()) {
            String why = samples.stream().allMatch(s -> !s.wellFormed()) ? "all-malformed" : "none-passed";
            return new GenerationRun.Produced(List.of(), DeliberativeDataGenerator.outcome(p, why, notes, Map.of()));
        }
        JudgedSample kept = sel.kept().get();
        var rec = DeliberativeDataGenerator.record(p, kept, samples, sampler, NAME);
        var meta = new LinkedHashMap<>(rec.meta());
        meta.put("selection", "shortest-accepted");
        meta.put("length", sel.keptLength());
        meta.put("mean_accepted_length", sel.meanAcceptedLength());
        meta.put("accepted", sel.accepted());
        rec = new dev.deliberate.align.data.SftRecord(rec.messages(), meta);
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("kept_index", kept.index());
        stats.put("kept_length", sel.keptLength());
        stats.put("mean_accepted_length", sel.meanAcceptedLength());
        stats.put("accepted", sel.accepted());
        return new GenerationRun.Produced(List.of(new GenerationRun.Output(DATASET, rec, p.id())),
                DeliberativeDataGenerator.outcome(p, PromptOutcome.KEPT, notes, stats));
    }

    /**
     * The saving of shortest rejection sampling: per prompt {@code 1 − kept/mean accepted}, averaged over kept
     * prompts, and the two mean lengths it compares.
     */
    static Map<String, Object> figures(List<PromptOutcome> outcomes) {
        double saving = 0, kept = 0, random = 0;
        int n = 0;
        for (PromptOutcome o : outcomes) {
            if (!o.kept()) continue;
            double k = ((Number) o.stats().get("kept_length")).doubleValue();
            double m = ((Number) o.stats().get("mean_accepted_length")).doubleValue();
            saving += m == 0 ? 0 : 1 - k / m;
            kept += k;
            random += m;
            n++;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("srs_saving_mean", n == 0 ? Double.NaN : saving / n);
        f.put("mean_kept_length", n == 0 ? Double.NaN : kept / n);
        f.put("mean_random_accepted_length", n == 0 ? Double.NaN : random / n);
        return f;
    }
}
