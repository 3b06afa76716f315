package dev.deliberate.align.spec;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One numbered policy item, e.g. {@code - [CHEM-2] (harmful-operational) Synthesis routes…}.
 *
 * @param id      the citable code, {@code [A-Z][A-Z0-9]*-N}
 * @param kind    which list it sits in
 * @param intents the request intents it governs (optional tags in parentheses after the id), e.g. {@code harmful-operational}
 * @param text    the rule as the policy author wrote it
 */
public record Rule(String id, Kind kind, List<String> intents, String text) {
    public static final Pattern ID = Pattern.compile("[A-Z][A-Z0-9]*-[0-9]+");

    public enum Kind {
        ALLOWED("Allowed"), DISALLOWED("Disallowed"), SAFE_COMPLETE("Safe-complete");

        private final String heading;

        Kind(String heading) {
            this.heading = heading;
        }

        public String heading() {
            return heading;
        }

        public static Kind fromHeading(String h) {
            for (Kind k : values()) if (k.heading.equalsIgnoreCase(h)) return k;
            return null;
        }
    }

    public Rule {
        intents = List.copyOf(intents);
    }

    /** The style this rule calls for. */
    public Style style() {
        return Style.of(kind);
    }

    /** The Markdown line, as {@link Spec#render()} writes it. */
    public String line() {
        return "- [" + id + "] " + (intents.isEmpty() ? "" : "(" + String.join(", ", intents) + ") ") + text;
    }
}
