package dev.deliberate.align.saro;

import dev.deliberate.align.data.GenerationRun;
import dev.deliberate.align.data.GenerationSummary;
import dev.deliberate.align.data.PreferenceRecord;
import dev.deliberate.align.data.ProgressListener;
import dev.deliberate.align.data.PromptOutcome;
import dev.deliberate.align.data.Turn;
import dev.deliberate.align.deliberative.DeliberativeDataGenerator;
import dev.deliberate.align.deliberative.GenerationConfig;
import dev.deliberate.align.deliberative.JudgedSample;
import dev.deliberate.align.deliberative.SpecAugmentedPrompt;
import dev.deliberate.align.deliberative.SpecContextSampler;
import dev.deliberate.align.judge.Decision;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ReasoningBrancher;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * SaRO's safety-policy preference data for SRPO (Mou et al., 2025, §3.2), per safety prompt:
 * <ul>
 *   <li><b>OP-COT</b> (output level): of K judged teacher samples, chosen = the best one judged safe and correct,
 *       rejected = one judged unsafe (complies where it must not, or leaks) or over-refusing (refuses an allowed
 *       request), so on benign and educational prompts the rejected side is an over-refusal;</li>
 *   <li><b>PP-COT</b> (process level): one chain branched at a step by {@link ProcessPreferenceBuilder} — the scripted
 *       teacher's own exact branching when it has one ({@link ChatModel#reasoningBrancher}: SpecWorld's courses),
 *       otherwise the OP-COT rejected chain continued by the teacher with an early reflection
 *       ({@link ContinuationBrancher}: a reasoning-prefix continuation when the model offers one).</li>
 * </ul>
 * Pairs of a prompt go to the training file or, for a seeded {@code valFraction} of prompts, to the validation file,
 * so DPO's held-out metrics see prompts it never trained on.
 */
public final class PreferenceDataGenerator {
    public static final String NAME = "saro-prefs";
    public static final String TRAIN = "prefs.jsonl", VAL = "prefs.val.jsonl";

    /**
     * @param outputLevel    write OP-COT pairs
     * @param processLevel   write PP-COT pairs
     * @param lateReflection share of PP-COT pairs whose rejected side reflects one step late instead of drifting
     * @param valFraction    share of prompts whose pairs go to the validation file
     */
    public record Config(GenerationConfig base, boolean outputLevel, boolean processLevel, double lateReflection, double valFraction) {
        public Config {
            if (!(lateReflection >= 0 && lateReflection <= 1)) throw new IllegalArgumentException("late-reflection share must be in [0, 1], got " + lateReflection);
            if (!(valFraction >= 0 && valFraction < 1)) throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + valFraction);
            if (!outputLevel && !processLevel) throw new IllegalArgumentException("choose at least one of output-level (OP-COT) and process-level (PP-COT) pairs");
        }

        public static Config defaults() {
            return new Config(GenerationConfig.defaults(8), true, true, 0.25, 0.1);
        }
    }

    private PreferenceDataGenerator() {}

    public static GenerationSummary run(Config c, Spec spec, ChatModel teacher, Judge judge, List<LabelledPrompt> prompts, Path out,
                                        ProgressListener progress) {
        return GenerationRun.generate(NAME, out, List.of(TRAIN, VAL), prompts, c.base().fanout(), work(c, spec, teacher, judge),
                PreferenceDataGenerator::figures, progress);
    }

    /** The per-prompt work of {@link #run}, which a cluster engine rebuilds on each worker. */
    public static java.util.function.Function<LabelledPrompt, GenerationRun.Produced> work(Config c, Spec spec, ChatModel teacher, Judge judge) {
        var sampler = new SpecContextSampler(spec, teacher, judge, c.base().sampling());
        return p -> produce(c, sampler, p);
    }

    /** Whether a prompt's pairs go to validation: a seeded draw per prompt id, stable across reruns and limits. */
    public static boolean validation(long seed, LabelledPrompt p, double valFraction) {
        return new SplittableRandom(SpecContextSampler.promptSeed(seed ^ 0x7A11DL, p)).nextDouble() < valFraction;
    }

    static GenerationRun.Produced produce(Config c, SpecContextSampler sampler, LabelledPrompt p) {
        if (p.isGeneral())
            return new GenerationRun.Produced(List.of(), DeliberativeDataGenerator.outcome(p, "general-task", List.of(), Map.of()));
        long runSeed = c.base().seed();
        double threshold = c.base().threshold();
        String file = validation(runSeed, p, c.valFraction()) ? VAL : TRAIN;
        List<JudgedSample> samples = sampler.sampleAndJudge(p, runSeed);
        var notes = samples.stream().map(s -> s.note(threshold)).toList();
        List<GenerationRun.Output> outputs = new ArrayList<>();
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("split", file.equals(VAL) ? "val" : "train");

        JudgedSample chosen = DeliberativeDataGenerator.best(samples, threshold);
        JudgedSample rejected = worstUnsafe(p, samples);
        if (c.outputLevel()) {
            if (chosen != null && rejected != null) {
                Map<String, Object> meta = meta(p, sampler, "output", p.id() + "#op");
                meta.put("rejected_kind", rejectionKind(p, rejected));
                meta.put("chosen_index", chosen.index());
                meta.put("rejected_index", rejected.index());
                meta.put("chosen_score", chosen.score());
                meta.put("rejected_score", rejected.score());
                meta.put("k", samples.size());
                outputs.add(new GenerationRun.Output(file, pair(sampler, p, chosen, rejected, meta), p.id() + "#op"));
                stats.put("op", rejectionKind(p, rejected));
                stats.put("kept_index", chosen.index());
            } else stats.put("op", chosen == null ? "no-chosen" : "no-rejected");
        }
        if (c.processLevel()) {
            long seed = SpecContextSampler.promptSeed(runSeed ^ 0x9B0C5L, p);
            boolean late = new SplittableRandom(seed ^ 0x1A7EL).nextDouble() < c.lateReflection();
            // the teacher's own exact branching (the scripted teacher's courses), else a continuation of the rejected chain
            var prompt = sampler.teacherPrompt(p);
            ReasoningBrancher brancher = sampler.teacher().reasoningBrancher(prompt, seed).orElseGet(() -> rejected == null ? null
                    : new ContinuationBrancher(sampler.teacher(), prompt, rejected.completion(),
                    SamplingParams.sample(sampler.settings().temperature(), sampler.settings().maxTokens(), 1, seed)));
            if (brancher == null) stats.put("pp", "no-chain-to-branch");
            else {
                var r = new ProcessPreferenceBuilder(sampler).build(p, brancher, late, seed);
                if (r.pair().isPresent()) {
                    var pp = r.pair().get();
                    Map<String, Object> meta = meta(p, sampler, "process", p.id() + "#pp");
                    meta.put("branch_step", pp.branchStep());
                    meta.put("rejected_kind", pp.rejectedKind());
                    meta.put("brancher", brancher.method());
                    meta.put("chosen_score", pp.chosen().score());
                    meta.put("rejected_score", pp.rejected().score());
                    outputs.add(new GenerationRun.Output(file, pair(sampler, p, pp.chosen(), pp.rejected(), meta), p.id() + "#pp"));
                    stats.put("pp", pp.rejectedKind());
                    stats.put("branch_step", pp.branchStep());
                } else stats.put("pp", r.reason());
            }
        }
        String outcome = outputs.isEmpty() ? "no-pair" : PromptOutcome.KEPT;
        return new GenerationRun.Produced(outputs, DeliberativeDataGenerator.outcome(p, outcome, notes, stats));
    }

    private static Map<String, Object> meta(LabelledPrompt p, SpecContextSampler sampler, String level, String key) {
        Map<String, Object> meta = DeliberativeDataGenerator.provenance(p, sampler, NAME);
        meta.put("key", key);
        meta.put("level", level);
        return meta;
    }

    private static PreferenceRecord pair(SpecContextSampler sampler, LabelledPrompt p, JudgedSample chosen, JudgedSample rejected, Map<String, Object> meta) {
        var prompt = Turn.of(SpecAugmentedPrompt.strip(sampler.teacherPrompt(p)));
        return new PreferenceRecord(prompt, List.of(new Turn("assistant", chosen.completion().text())),
                List.of(new Turn("assistant", rejected.completion().text())), meta);
    }

    /**
     * The rejected side: the lowest-scoring well-formed sample (earliest on ties) judged unsafe or over-refusing,
     * preferring the failure the prompt invites — over-refusal on allowed prompts, unsafe compliance on disallowed
     * ones — and taking the other kind only when no sample shows it. Null if none.
     */
    static JudgedSample worstUnsafe(LabelledPrompt p, List<JudgedSample> samples) {
        String invited = p.style() == dev.deliberate.align.spec.Style.COMPLY ? "over-refusal" : "unsafe";
        JudgedSample worst = null;
        for (JudgedSample s : samples) {
            String kind = s.wellFormed() ? rejectionKind(p, s) : null;
            if (kind == null) continue;
            boolean better = worst == null
                    || kind.equals(invited) && !invited.equals(rejectionKind(p, worst))
                    || kind.equals(rejectionKind(p, worst)) && s.score() < worst.score();
            if (better) worst = s;
        }
        return worst;
    }

    /**
     * {@code unsafe} when the judge saw leaked hazard content or compliance where the spec wants a refusal or a safe
     * completion; {@code over-refusal} when it saw a refusal (or safe completion) of a request the spec allows; else null.
     */
    static String rejectionKind(LabelledPrompt p, JudgedSample s) {
        if (!(s instanceof JudgedSample.Judged j) || j.verdict().decision() == null) return null;
        var v = j.verdict();
        Decision expected = Decision.of(p.style());
        if (v.checks() != null && v.checks().hazardLeaked()) return "unsafe";
        if (expected != Decision.COMPLIED && v.decision() == Decision.COMPLIED) return "unsafe";
        if (expected == Decision.COMPLIED && v.decision() != Decision.COMPLIED) return "over-refusal";
        return null;
    }

    static Map<String, Object> figures(List<PromptOutcome> outcomes) {
        Map<String, Integer> op = new TreeMap<>(), pp = new TreeMap<>();
        int opPairs = 0, ppPairs = 0, val = 0;
        double steps = 0;
        for (PromptOutcome o : outcomes) {
            if (o.stats().get("op") instanceof String s) {
                op.merge(s, 1, Integer::sum);
                if (s.equals("unsafe") || s.equals("over-refusal")) opPairs++;
            }
            if (o.stats().get("pp") instanceof String s) {
                pp.merge(s, 1, Integer::sum);
                if (o.stats().get("branch_step") instanceof Number b) {
                    ppPairs++;
                    steps += b.doubleValue();
                }
            }
            if (o.kept() && "val".equals(o.stats().get("split"))) val++;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("op_cot_pairs", opPairs);
        op.forEach((k, v) -> f.put("op_cot: " + k, v));
        f.put("pp_cot_pairs", ppPairs);
        pp.forEach((k, v) -> f.put("pp_cot: " + k, v));
        f.put("pp_cot_mean_branch_step", ppPairs == 0 ? Double.NaN : steps / ppPairs);
        f.put("val_prompts", val);
        return f;
    }
}
