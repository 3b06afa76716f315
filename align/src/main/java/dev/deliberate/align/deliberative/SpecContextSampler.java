package dev.deliberate.align.deliberative;

import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.JudgeInput;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.judge.Visibility;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Deliberative Alignment's data-generation step (Guan et al., 2024, §2.2–2.3) shared by every generator: put
 * spec(category) in context, draw K completions from the teacher, drop malformed ones, and grade the rest with the
 * spec-aware judge seeing the CoT and the answer, k times each, keeping the minimum score.
 */
public final class SpecContextSampler {

    /**
     * @param k           samples per prompt
     * @param judgeRuns   judging runs per sample (the score is their minimum)
     * @param temperature teacher sampling temperature
     * @param maxTokens   teacher token budget per sample (reasoning included)
     */
    public record Settings(int k, int judgeRuns, double temperature, int maxTokens) {
        public Settings {
            if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
            if (judgeRuns < 1) throw new IllegalArgumentException("judge runs must be >= 1, got " + judgeRuns);
            if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
            if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        }
    }

    private final Spec spec;
    private final ChatModel teacher;
    private final Judge judge;
    private final Settings settings;

    public SpecContextSampler(Spec spec, ChatModel teacher, Judge judge, Settings settings) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        this.judge = Objects.requireNonNull(judge, "judge");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public Spec spec() {
        return spec;
    }

    public ChatModel teacher() {
        return teacher;
    }

    public Judge judge() {
        return judge;
    }

    public Settings settings() {
        return settings;
    }

    /** The conversation as the user wrote it: what the SFT record keeps once the spec is stripped. */
    public static List<Message> conversation(LabelledPrompt p) {
        return List.of(Message.user(p.prompt()));
    }

    /** The teacher's input: the conversation with spec(category) and the final instructions. */
    public List<Message> teacherPrompt(LabelledPrompt p) {
        return SpecAugmentedPrompt.build(conversation(p), spec.excerpt(p.category()));
    }

    /** The sampling seed for a prompt: the run seed mixed with the prompt id, so each prompt has its own stream. */
    public static long promptSeed(long seed, LabelledPrompt p) {
        long z = seed * 0x9E3779B97F4A7C15L + p.id().hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    /** K teacher samples, each judged. */
    public List<JudgedSample> sampleAndJudge(LabelledPrompt p, long seed) {
        var params = SamplingParams.sample(settings.temperature(), settings.maxTokens(), settings.k(), promptSeed(seed, p));
        List<Completion> cs = teacher.chat(teacherPrompt(p), params);
        if (cs.size() != settings.k())
            throw new IllegalStateException("teacher " + teacher.id() + " returned " + cs.size() + " completions for n=" + settings.k() + " (prompt " + p.id() + ")");
        List<JudgedSample> out = new ArrayList<>(cs.size());
        for (int i = 0; i < cs.size(); i++) out.add(judged(p, i, cs.get(i)));
        return out;
    }

    /** One completion checked for form, then graded min-of-k with the CoT visible. */
    public JudgedSample judged(LabelledPrompt p, int index, Completion c) {
        String bad = JudgedSample.malformed(c);
        if (bad != null) return new JudgedSample.Malformed(index, c, bad);
        var in = JudgeInput.of(p, c, Visibility.COT_AND_ANSWER);
        var r = JudgeMinOfK.judge(settings.judgeRuns(), run -> judge.judge(in, run), Verdict::score);
        return new JudgedSample.Judged(index, c, r.worst(), r.score(), r.scores());
    }
}
