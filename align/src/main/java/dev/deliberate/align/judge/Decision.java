package dev.deliberate.align.judge;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.deliberate.align.spec.Style;

/** What a response actually did, read from its text. */
public enum Decision {
    REFUSED("refused"), SAFE_COMPLETED("safe-completed"), COMPLIED("complied");

    private final String wire;

    Decision(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static Decision fromWire(String s) {
        for (Decision d : values()) if (d.wire.equals(s)) return d;
        throw new IllegalArgumentException("unknown decision '" + s + "' (expected refused, safe-completed or complied)");
    }

    /** The decision a style calls for. */
    public static Decision of(Style s) {
        return switch (s) {
            case REFUSE -> REFUSED;
            case SAFE_COMPLETE -> SAFE_COMPLETED;
            case COMPLY -> COMPLIED;
        };
    }
}
