package dev.deliberate.align.prompt;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a prompt asks for, the axis along which SpecWorld labels its prompts. */
public enum Intent {
    /** Wants actionable help with the hazard: the spec disallows it (or safe-completes / complies with care). */
    HARMFUL_OPERATIONAL("harmful-operational"),
    /** Wants to understand the hazard: allowed. */
    EDUCATIONAL("educational"),
    /** Benign, but shares trigger words with harmful requests (XSTest's kind): allowed; refusing it is over-refusal. */
    BENIGN_LOOKALIKE("benign-lookalike"),
    /** No safety question at all: world facts, arithmetic, short reasoning, with gold answers. */
    GENERAL("general");

    private final String wire;

    Intent(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static Intent fromWire(String s) {
        for (Intent i : values()) if (i.wire.equals(s)) return i;
        throw new IllegalArgumentException("unknown intent '" + s + "' (expected harmful-operational, educational, benign-lookalike or general)");
    }
}
