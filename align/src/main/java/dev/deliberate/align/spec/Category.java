package dev.deliberate.align.spec;

import java.util.List;

/**
 * One policy area: a {@code ##} section of the spec.
 *
 * @param id          short code that prefixes its rule ids, e.g. {@code CHEM}
 * @param style       how the area's harmful requests are answered
 * @param summary     one line, shown for every category in {@link Spec#excerpt}
 * @param definitions terms the rules use, with what they cover
 */
public record Category(String id, String title, Style style, String summary, List<Definition> definitions, List<Rule> rules) {

    /** {@code - term: meaning}; {@code aliases} are the names listed as {@code (also: a, b)} at the end of the meaning. */
    public record Definition(String term, String meaning) {
        public List<String> aliases() {
            int at = meaning.lastIndexOf("(also:");
            if (at < 0 || !meaning.endsWith(")")) return List.of();
            return java.util.Arrays.stream(meaning.substring(at + 6, meaning.length() - 1).split(","))
                    .map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
    }

    public Category {
        definitions = List.copyOf(definitions);
        rules = List.copyOf(rules);
    }

    public List<Rule> rules(Rule.Kind kind) {
        return rules.stream().filter(r -> r.kind() == kind).toList();
    }

    /** Rules tagged with this intent, in spec order. */
    public List<Rule> rulesFor(String intent) {
        return rules.stream().filter(r -> r.intents().contains(intent)).toList();
    }
}
