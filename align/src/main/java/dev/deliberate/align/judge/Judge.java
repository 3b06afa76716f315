package dev.deliberate.align.judge;

import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.prompt.LabelledPrompt;

/** Scores a completion for a labelled prompt. Shared by the pipelines (filtering, rewards) and the evaluation. */
public interface Judge {

    /** A stable name for provenance, e.g. {@code world:judge}. */
    String id();

    Verdict judge(JudgeInput input);

    /**
     * Run {@code run} of a min-of-k grade (Deliberative Alignment §2.3): a sampling judge varies its seed per run; by
     * default every run is the same call.
     */
    default Verdict judge(JudgeInput input, int run) {
        return judge(input);
    }

    /** Whether repeated runs always agree, so one run is enough; false unless the judge says so. */
    default boolean deterministic() {
        return false;
    }

    /** Judges with the given visibility; under {@link Visibility#ANSWER_ONLY} the reasoning never reaches {@link #judge(JudgeInput)}. */
    default Verdict judge(LabelledPrompt item, Completion completion, Visibility visibility) {
        return judge(JudgeInput.of(item, completion, visibility));
    }
}
