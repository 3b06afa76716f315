package dev.deliberate.align.llm;

import java.util.Objects;

/** One chat turn. Roles are the OpenAI chat roles that every template and endpoint understands. */
public record Message(Role role, String content) {
    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** The wire name: {@code system}, {@code user}, {@code assistant}. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Role fromWire(String s) {
            return switch (s) {
                case "system", "developer" -> SYSTEM;
                case "user" -> USER;
                case "assistant" -> ASSISTANT;
                default -> throw new IllegalArgumentException("unknown chat role '" + s + "' (expected system, user or assistant)");
            };
        }
    }

    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content);
    }

    public static Message user(String content) {
        return new Message(Role.USER, content);
    }

    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content);
    }
}
