package dev.deliberate.align.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the assistant answers: the three response styles of Deliberative Alignment's spec. */
public enum Style {
    REFUSE("refuse"), SAFE_COMPLETE("safe-complete"), COMPLY("comply");

    private final String wire;

    Style(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static Style fromWire(String s) {
        for (Style st : values()) if (st.wire.equals(s)) return st;
        throw new IllegalArgumentException("unknown style '" + s + "' (expected refuse, safe-complete or comply)");
    }

    /** The style a rule list implies: Allowed → comply, Disallowed → refuse, Safe-complete → safe-complete. */
    public static Style of(Rule.Kind kind) {
        return switch (kind) {
            case ALLOWED -> COMPLY;
            case DISALLOWED -> REFUSE;
            case SAFE_COMPLETE -> SAFE_COMPLETE;
        };
    }
}
