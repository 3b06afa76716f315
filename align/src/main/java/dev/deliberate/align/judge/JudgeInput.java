package dev.deliberate.align.judge;

import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.Objects;

/**
 * What a judge is given. Under {@link Visibility#ANSWER_ONLY} the completion's reasoning has been removed before
 * any judge code runs — the constructor refuses anything else — so an answer-only judge cannot read the CoT.
 */
public record JudgeInput(LabelledPrompt item, Completion shown, Visibility visibility) {
    public JudgeInput {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(shown, "shown");
        Objects.requireNonNull(visibility, "visibility");
        if (visibility == Visibility.ANSWER_ONLY && !shown.reasoning().isEmpty())
            throw new IllegalArgumentException("an answer-only judge input must not carry reasoning; build it with JudgeInput.of");
    }

    /** Strips the reasoning when the visibility says so. */
    public static JudgeInput of(LabelledPrompt item, Completion completion, Visibility visibility) {
        Completion shown = visibility == Visibility.ANSWER_ONLY
                ? new Completion("", completion.answer(), completion.finishReason(), completion.usage())
                : completion;
        return new JudgeInput(item, shown, visibility);
    }
}
