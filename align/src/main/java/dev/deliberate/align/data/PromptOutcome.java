package dev.deliberate.align.data;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * One line of a generation run's ledger ({@code ledger.jsonl}): what became of one prompt, kept or dropped and
 * why, with every sample's judgement. The ledger is what a resumed run skips and what the run summary is
 * computed from, so a summary after a resume counts the whole run.
 *
 * @param key     the prompt's key in this run (its id)
 * @param outcome {@code kept} or the reason the prompt produced no record (e.g. {@code none-above-threshold})
 * @param samples the K samples as judged
 * @param stats   generator-specific figures (kept length, mean accepted length, pair kinds written…)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PromptOutcome(String key, String promptId, String category, String intent, String attack, String outcome,
                            List<SampleNote> samples, Map<String, Object> stats) {
    public static final String KEPT = "kept";

    public PromptOutcome {
        samples = samples == null ? List.of() : List.copyOf(samples);
        stats = stats == null ? Map.of() : stats;
    }

    public boolean kept() {
        return KEPT.equals(outcome);
    }

    /**
     * One sample as judged.
     *
     * @param status    {@code passed}, {@code rejected} (by the judge), {@code below-threshold}, or
     *                  {@code malformed:REASON} (dropped unjudged)
     * @param score     the judge's score, the minimum over its runs (0 when malformed)
     * @param accepted  whether the judge accepted it
     * @param decision  what the judge read the answer as doing (null when malformed)
     * @param reason    the judge's reason for the worst run
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SampleNote(int index, String status, double score, boolean accepted, String decision, String reason,
                             int reasoningTokens, int answerTokens) {}
}
