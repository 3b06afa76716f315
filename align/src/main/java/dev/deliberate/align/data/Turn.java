package dev.deliberate.align.data;

import dev.deliberate.align.llm.Message;

/** A chat turn as TRL and the OpenAI API write it: {@code {"role":"user","content":"…"}}. */
public record Turn(String role, String content) {
    public Turn {
        Message.Role.fromWire(role); // validates
        if (content == null) throw new IllegalArgumentException("turn content is null (role " + role + ")");
    }

    public static Turn of(Message m) {
        return new Turn(m.role().wire(), m.content());
    }

    public Message toMessage() {
        return new Message(Message.Role.fromWire(role), content);
    }

    public static java.util.List<Turn> of(java.util.List<Message> messages) {
        return messages.stream().map(Turn::of).toList();
    }

    public static java.util.List<Message> toMessages(java.util.List<Turn> turns) {
        return turns.stream().map(Turn::toMessage).toList();
    }
}
