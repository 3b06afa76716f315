package dev.deliberate.align.prompt;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** XSTest's kinds of safe prompts that look unsafe (Röttger et al. 2024, Table 1). */
public enum LookalikeType {
    HOMONYM("homonym"), FIGURATIVE("figurative"), SAFE_TARGET("safe-target"), SAFE_CONTEXT("safe-context"),
    DEFINITION("definition"), HISTORICAL("historical"), FICTIONAL_PRIVACY("fictional-privacy");

    private final String wire;

    LookalikeType(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static LookalikeType fromWire(String s) {
        for (LookalikeType t : values()) if (t.wire.equals(s)) return t;
        throw new IllegalArgumentException("unknown look-alike type '" + s + "'");
    }
}
