package dev.deliberate.align.llm;

import java.util.Objects;

/**
 * A secret that never prints: {@link #toString} names only the environment variable it came from, so a key
 * cannot reach a log line, an exception or a file by accident. {@link #redact} scrubs it from text a server
 * sent back (some echo the key in their error messages).
 */
public final class ApiKey {
    private final String value;
    private final String source;

    private ApiKey(String value, String source) {
        this.value = Objects.requireNonNull(value);
        this.source = source;
    }

    /** @param source where the key came from, for messages, e.g. {@code $OPENAI_API_KEY} */
    public static ApiKey of(String value, String source) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException("empty API key from " + source);
        return new ApiKey(value.strip(), source);
    }

    /** The key in the environment variable {@code var}, or null when it is unset or empty. */
    public static ApiKey fromEnv(String var, java.util.function.Function<String, String> env) {
        String v = env.apply(var);
        return v == null || v.isBlank() ? null : new ApiKey(v.strip(), "$" + var);
    }

    /** Only for the {@code Authorization} header. */
    String reveal() {
        return value;
    }

    /** Constant-time comparison, for servers checking a bearer token. */
    public boolean matches(String candidate) {
        if (candidate == null) return false;
        return java.security.MessageDigest.isEqual(value.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                candidate.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public String redact(String text) {
        return text == null ? null : text.replace(value, "[redacted " + source + "]");
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "ApiKey[" + source + ", redacted]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey k && k.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
