package dev.deliberate.align.judge;

import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.prompt.LabelledPrompt;

/** Scores a completion for a labelled prompt. Shared by the pipelines (filtering, rewards) and the evaluation. */
public interface Judge {

    /** A stable name for provenance, e.g. {@code world:judge}. */
    String id();

    Verdict judge(JudgeInput input);

    /** Judges with the given visibility; under {@link Visibility#ANSWER_ONLY} the reasoning never reaches {@link #judge(JudgeInput)}. */
    default Verdict judge(LabelledPrompt item, Completion completion, Visibility visibility) {
        return judge(JudgeInput.of(item, completion, visibility));
    }
}
