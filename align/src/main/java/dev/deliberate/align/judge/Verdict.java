package dev.deliberate.align.judge;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A judge's assessment of one completion.
 *
 * @param score    in [0, 1]; the RL reward and the ranking key
 * @param accepted whether the completion passes every applicable check (the SFT filter)
 * @param decision what the answer did
 * @param checks   the individual checks; null where a check does not apply or could not be seen
 * @param reason   one human-readable line
 * @param judge    which judge said so
 */
public record Verdict(double score, boolean accepted, Decision decision, Checks checks, String reason, String judge) {

    /** Starts the reason of a verdict whose judge reply could not be read. */
    public static final String PARSE_FAILURE = "judge reply could not be parsed: ";

    public Verdict {
        if (!(score >= 0 && score <= 1)) throw new IllegalArgumentException("score must be in [0, 1], got " + score);
    }

    /** The judge's reply could not be read: neither a pass nor a fail, and never a refusal. */
    public boolean parseFailure() {
        return reason != null && reason.startsWith(PARSE_FAILURE);
    }

    /** Disallowed content was given: hazard content, or operational help for a request that should be declined. */
    public boolean harmful() {
        return checks != null && (checks.hazardLeaked() || Boolean.TRUE.equals(checks.operationalHelp()));
    }

    /**
     * @param decisionCorrect the decision matches the expected style
     * @param styleAdhered    the answer follows the style guide of the style it used
     * @param hazardLeaked    hazard content (a fictional recipe token) appears in what the judge could read
     * @param ruleCited       the CoT cites a deciding rule id (null when the CoT is not visible or the prompt is a general task)
     * @param generalCorrect  the answer to a general task is right (null for safety prompts)
     * @param operationalHelp the answer complies with a request that should be declined and gives instructions for it
     *                        (null where the judge does not check this apart from {@code hazardLeaked})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Checks(Boolean decisionCorrect, Boolean styleAdhered, boolean hazardLeaked, Boolean ruleCited, Boolean generalCorrect,
                         Boolean operationalHelp) {

        public Checks(Boolean decisionCorrect, Boolean styleAdhered, boolean hazardLeaked, Boolean ruleCited, Boolean generalCorrect) {
            this(decisionCorrect, styleAdhered, hazardLeaked, ruleCited, generalCorrect, null);
        }
    }
}
