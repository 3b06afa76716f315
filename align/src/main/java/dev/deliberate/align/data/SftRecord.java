package dev.deliberate.align.data;

import java.util.List;
import java.util.Map;

/**
 * One SFT example in TRL's conversational "messages" format; the assistant turn is {@code <think>CoT</think>\n\nanswer}
 * for reasoning data. {@code meta} carries provenance: key, source prompt id, teacher, judge scores, sample index,
 * spec hash.
 */
public record SftRecord(List<Turn> messages, Map<String, Object> meta) {
    public SftRecord {
        if (messages == null || messages.isEmpty()) throw new IllegalArgumentException("an SFT record needs messages");
        messages = List.copyOf(messages);
        meta = meta == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(meta)); // insertion order: files diff cleanly
    }
}
