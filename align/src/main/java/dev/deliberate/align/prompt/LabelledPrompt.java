package dev.deliberate.align.prompt;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.spec.Style;

import java.util.List;
import java.util.Objects;

/**
 * One prompt with everything a judge or a pipeline needs to know about it. One JSONL line of a SpecWorld split.
 *
 * @param id        unique within a dataset, stable per seed
 * @param split     {@code train} or {@code test}
 * @param category  the spec category id (e.g. {@code CHEM}), or {@link #GENERAL} for general tasks
 * @param intent    what the prompt asks for
 * @param style     the expected response style
 * @param rules     the rule ids that decide it; citing any of them is correct (empty for general tasks)
 * @param lookalike the XSTest type for benign look-alikes, else null
 * @param gold      the correct answer for general tasks, else null
 * @param topic     the fictional hazard, person or world subject the prompt is about
 * @param template  which template produced it (for analysis and for proving splits disjoint)
 * @param prompt    the text the model sees (after any attack)
 * @param attack    the attack family applied, {@code none} if plain
 * @param plain     the prompt before the attack
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LabelledPrompt(String id, String split, String category, Intent intent, Style style, List<String> rules,
                             LookalikeType lookalike, String gold, String topic, String template, String prompt,
                             String attack, String plain) {
    public static final String GENERAL = "general";
    public static final String NO_ATTACK = "none";

    public LabelledPrompt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(intent, "intent");
        Objects.requireNonNull(style, "style");
        Objects.requireNonNull(prompt, "prompt");
        rules = rules == null ? List.of() : List.copyOf(rules);
        attack = attack == null ? NO_ATTACK : attack;
        plain = plain == null ? prompt : plain;
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isGeneral() {
        return intent == Intent.GENERAL;
    }

    /** The same labels with the prompt attacked; the id gains the family name so attacked copies stay unique. */
    public LabelledPrompt attacked(Attack a, long seed) {
        return new LabelledPrompt(id + "@" + a.name(), split, category, intent, style, rules, lookalike, gold, topic, template,
                a.apply(plain, seed), a.name(), plain);
    }
}
