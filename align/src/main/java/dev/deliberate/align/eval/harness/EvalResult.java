package dev.deliberate.align.eval.harness;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.eval.score.Outcome;

import java.util.Objects;

/**
 * One line of {@code results.jsonl}: one sample of one benchmark item under one attack, with the verdict of the
 * benchmark's judge and the labels the metrics are counted from (docs/runs.md).
 *
 * @param key            {@code benchmark/item/attack/sample}, unique in the file; a rerun skips keys already there
 * @param itemLabel      {@code safe}, {@code unsafe} or {@code unlabelled}: what a good model should do
 * @param attackSplit    {@code none}, {@code seen} or {@code held-out}
 * @param prompt         the user message as sent (after the attack)
 * @param answer         the answer, decoded when the attack encodes and the response was written in its encoding
 * @param rawAnswer      the answer as the model wrote it, only when it differs from {@code answer}
 * @param reasoningTokens -1 when the model did not say
 * @param verdict        the judge's output (world-judge verdict, XSTest class, StrongREJECT rubric, …)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalResult(String key, String model, String benchmark, String item, @JsonProperty("item_label") String itemLabel,
                         String attack, @JsonProperty("attack_split") String attackSplit, int sample, String prompt,
                         String reasoning, String answer, @JsonProperty("raw_answer") String rawAnswer,
                         @JsonProperty("finish_reason") String finishReason,
                         @JsonProperty("reasoning_tokens") int reasoningTokens, @JsonProperty("answer_tokens") int answerTokens,
                         JsonNode verdict, Labels labels) {

    public EvalResult {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(attack, "attack");
        Objects.requireNonNull(labels, "labels");
    }

    public static String key(String benchmark, String item, String attack, int sample) {
        return benchmark + "/" + item + "/" + attack + "/" + sample;
    }

    /**
     * What the metrics count, read off the verdict; null where a label does not apply to the item.
     *
     * @param promptType     {@code harmful}, {@code jailbreak} (harmful under an attack), {@code educational},
     *                       {@code benign-lookalike}, {@code general}; for public sets {@code unsafe}/{@code safe}
     * @param category       the spec category or the benchmark's category/type column
     * @param expectedStyle  SpecWorld's {@code refuse}/{@code safe-complete}/{@code comply}
     * @param attackSuccess  on prompts a good model declines: the output gave what was asked (or leaked the hazard)
     * @param refused        the output declined (full or partial refusal)
     * @param styleAdhered   the decision and the style guide were both right (SpecWorld safety prompts)
     * @param citesRule      the chain of thought cites a rule of the prompt's category (SpecWorld, when there is a CoT)
     * @param namesTopic     the chain of thought names the prompt's own topic, the step before the category: a chain that
     *                       restates another (a training) prompt does not (SpecWorld safety prompts, when there is a CoT)
     * @param correct        the general/GSM8K answer is right
     * @param harm           the StrongREJECT rubric score in [0, 1]
     * @param xstestClass    {@code 1_full_compliance}, {@code 2_full_refusal} or {@code 3_partial_refusal}
     * @param judgeFailure   why the judge's reply could not be read (the sample is left out of that metric)
     * @param outcome        what the response did (harmful, refused, safe-completed, complied-benign, off-topic,
     *                       truncated, judge-failed); {@code attackSuccess} and {@code refused} are null when it is
     *                       truncated or judge-failed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Labels(@JsonProperty("prompt_type") String promptType, String category,
                         @JsonProperty("expected_style") String expectedStyle,
                         @JsonProperty("attack_success") Boolean attackSuccess, Boolean refused,
                         @JsonProperty("style_adhered") Boolean styleAdhered, @JsonProperty("cites_rule") Boolean citesRule,
                         @JsonProperty("names_topic") Boolean namesTopic,
                         Boolean correct, Double harm, @JsonProperty("xstest_class") String xstestClass,
                         @JsonProperty("judge_failure") String judgeFailure, Outcome outcome) {

        public static Labels of(String promptType, String category) {
            return new Labels(promptType, category, null, null, null, null, null, null, null, null, null, null, null);
        }

        public Labels expectedStyle(String s) {
            return new Labels(promptType, category, s, attackSuccess, refused, styleAdhered, citesRule, namesTopic, correct, harm, xstestClass, judgeFailure, outcome);
        }

        public Labels attackSuccess(Boolean b) {
            return new Labels(promptType, category, expectedStyle, b, refused, styleAdhered, citesRule, namesTopic, correct, harm, xstestClass, judgeFailure, outcome);
        }

        public Labels refused(Boolean b) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, b, styleAdhered, citesRule, namesTopic, correct, harm, xstestClass, judgeFailure, outcome);
        }

        public Labels styleAdhered(Boolean b) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, b, citesRule, namesTopic, correct, harm, xstestClass, judgeFailure, outcome);
        }

        public Labels citesRule(Boolean b) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, styleAdhered, b, namesTopic, correct, harm, xstestClass, judgeFailure, outcome);
        }

        public Labels namesTopic(Boolean b) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, styleAdhered, citesRule, b, correct, harm, xstestClass, judgeFailure, outcome);
        }

        public Labels correct(Boolean b) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, styleAdhered, citesRule, namesTopic, b, harm, xstestClass, judgeFailure, outcome);
        }

        public Labels harm(Double h) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, styleAdhered, citesRule, namesTopic, correct, h, xstestClass, judgeFailure, outcome);
        }

        public Labels xstestClass(String c) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, styleAdhered, citesRule, namesTopic, correct, harm, c, judgeFailure, outcome);
        }

        /** What the response did; ASR and over-refusal count only {@linkplain Outcome#judged judged} outcomes. */
        public Labels outcome(Outcome o) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, styleAdhered, citesRule, namesTopic, correct, harm, xstestClass, judgeFailure, o);
        }

        public Labels judgeFailure(String why) {
            return new Labels(promptType, category, expectedStyle, attackSuccess, refused, styleAdhered, citesRule, namesTopic, correct, harm, xstestClass, why, outcome);
        }
    }
}
