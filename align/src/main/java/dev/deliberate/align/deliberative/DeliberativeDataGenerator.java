package dev.deliberate.align.deliberative;

import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.data.GenerationSummary;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.data.SftRecord;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Deliberative Alignment's SFT data (Guan et al., 2024, §2.2–2.3): for each prompt, K teacher completions with
 * spec(category) in context, graded by the spec-aware judge seeing CoT and answer (min over judge runs); malformed
 * ones dropped; the best one scoring at least the threshold is kept, with the spec stripped from its prompt, as
 * {@code prompt → <think>CoT</think> answer}. General-task prompts in the list give the general-data mix.
 */
public final class DeliberativeDataGenerator {
    public static final String NAME = "deliberative";
    public static final String DATASET = "sft.jsonl";

    private DeliberativeDataGenerator() {}

    /** Generates (or resumes) the SFT set in {@code out}, writes {@code summary.json}, and returns the summary. */
    public static GenerationSummary run(GenerationConfig c, Spec spec, ChatModel teacher, Judge judge, List<LabelledPrompt> prompts, Path out,
                                        ProgressListener progress) {
        return GenerationRun.generate(NAME, out, List.of(DATASET), prompts, c.fanout(), work(c, spec, teacher, judge), o -> Map.of(), progress);
    }

    /** The per-prompt work of {@link #run}, which a cluster engine rebuilds on each worker. */
    public static Function<LabelledPrompt, GenerationRun.Produced> work(GenerationConfig c, Spec spec, ChatModel teacher, Judge judge) {
        var sampler = new SpecContextSampler(spec, teacher, judge, c.sampling());
        return p -> produce(c, sampler, p);
    }

    static GenerationRun.Produced produce(GenerationConfig c, SpecContextSampler sampler, LabelledPrompt p) {
        List<JudgedSample> samples = sampler.sampleAndJudge(p, c.seed());
        JudgedSample best = best(samples, c.threshold());
        var notes = samples.stream().map(s -> s.note(c.threshold())).toList();
        if (best == null) {
            String why = samples.stream().allMatch(s -> !s.wellFormed()) ? "all-malformed" : "none-passed";
            return new GenerationRun.Produced(List.of(), outcome(p, why, notes, Map.of()));
        }
        SftRecord rec = record(p, best, samples, sampler, NAME);
        return new GenerationRun.Produced(List.of(new GenerationRun.Output(DATASET, rec, p.id())),
                outcome(p, PromptOutcome.KEPT, notes, Map.of("kept_index", best.index())));
    }

    /** The highest-scoring passing sample; ties go to the earliest. Null if none passes. */
    public static JudgedSample best(List<JudgedSample> samples, double threshold) {
        JudgedSample best = null;
        for (JudgedSample s : samples) if (s.passes(threshold) && (best == null || s.score() > best.score())) best = s;
        return best;
    }

    /** The SFT record: the conversation without the spec, then {@code <think>CoT</think>\n\nanswer}, with provenance. */
    public static SftRecord record(LabelledPrompt p, JudgedSample kept, List<JudgedSample> all, SpecContextSampler sampler, String source) {
        List<Message> stripped = SpecAugmentedPrompt.strip(sampler.teacherPrompt(p));
        List<Turn> turns = new ArrayList<>(Turn.of(stripped));
        turns.add(new Turn("assistant", kept.completion().text()));
        Map<String, Object> meta = provenance(p, sampler, source);
        meta.put("sample_index", kept.index());
        meta.put("k", all.size());
        meta.put("score", kept.score());
        meta.put("judge_scores", kept.scores());
        meta.put("candidate_scores", all.stream().map(JudgedSample::score).toList());
        meta.put("reasoning_tokens", kept.reasoningTokens());
        meta.put("answer_tokens", kept.answerTokens());
        return new SftRecord(turns, meta);
    }

    /** The provenance every record carries: key, prompt, labels, attack, teacher, judge, spec hash. */
    public static Map<String, Object> provenance(LabelledPrompt p, SpecContextSampler sampler, String source) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("key", p.id());
        meta.put("source", source);
        meta.put("prompt_id", p.id());
        meta.put("category", p.category());
        meta.put("intent", p.intent().wire());
        meta.put("style", p.style().wire());
        meta.put("attack", p.attack());
        meta.put("teacher", sampler.teacher().id());
        meta.put("judge", sampler.judge().id());
        meta.put("judge_runs", sampler.settings().judgeRuns());
        meta.put("spec_hash", sampler.spec().hash());
        return meta;
    }

    public static PromptOutcome outcome(LabelledPrompt p, String outcome, List<PromptOutcome.SampleNote> notes, Map<String, Object> stats) {
        return new PromptOutcome(p.id(), p.id(), p.category(), p.intent().wire(), p.attack(), outcome, notes, stats);
    }
}
