package dev.deliberate.align.llm;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * Why a completion ended, as OpenAI's {@code finish_reason} names it ({@link #wire()}): on its own ({@code stop}: EOS
 * or a stop string), cut at the token cap ({@code length}), by a content filter, or to call tools. A reason this client
 * does not know (servers add their own) is {@link #OTHER}: never counted as cut off.
 */
public enum FinishReason {
    STOP("stop"), LENGTH("length"), CONTENT_FILTER("content_filter"), TOOL_CALLS("tool_calls"), OTHER("other");

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** The reason a server wrote ({@code function_call} is the older name of {@code tool_calls}); null or blank is {@code stop}. */
    @JsonCreator
    public static FinishReason of(String wire) {
        if (wire == null || wire.isBlank()) return STOP;
        String w = wire.strip().toLowerCase(Locale.ROOT);
        if (w.equals("function_call")) return TOOL_CALLS;
        for (FinishReason r : values()) if (r.wire.equals(w)) return r;
        return OTHER;
    }

    /** The local engine's reason: EOS and stop strings are both {@code stop}. */
    public static FinishReason from(dev.deliberate.engine.generate.FinishReason engine) {
        return engine == dev.deliberate.engine.generate.FinishReason.LENGTH ? LENGTH : STOP;
    }

    @Override
    public String toString() {
        return wire;
    }
}
