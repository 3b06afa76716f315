package dev.deliberate.align.eval.score;

import java.util.Objects;
import java.util.Optional;

/**
 * A judge reply read into a typed result, or the reason it could not be: parse failures are values to count and
 * report, never a silent zero.
 */
public sealed interface Parsed<T> {

    /** The judge's reply, verbatim. */
    String raw();

    record Ok<T>(T value, String raw) implements Parsed<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(raw, "raw");
        }
    }

    record Failed<T>(String reason, String raw) implements Parsed<T> {
        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(raw, "raw");
        }
    }

    default boolean ok() {
        return this instanceof Ok<T>;
    }

    default Optional<T> get() {
        return this instanceof Ok<T>(T v, String r) ? Optional.of(v) : Optional.empty();
    }
}
