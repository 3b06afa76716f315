package dev.deliberate.align.data;

import java.util.List;
import java.util.Map;

/**
 * One preference pair in TRL's conversational format: the shared prompt turns, then the chosen and the rejected
 * assistant turn. {@code meta.level} is {@code output} (OP-COT: whole chains) or {@code process} (PP-COT: chains
 * branched at {@code meta.branch_step}).
 */
public record PreferenceRecord(List<Turn> prompt, List<Turn> chosen, List<Turn> rejected, Map<String, Object> meta) {
    public PreferenceRecord {
        if (prompt == null || prompt.isEmpty()) throw new IllegalArgumentException("a preference record needs a prompt");
        if (chosen == null || chosen.isEmpty() || rejected == null || rejected.isEmpty())
            throw new IllegalArgumentException("a preference record needs a chosen and a rejected completion");
        prompt = List.copyOf(prompt);
        chosen = List.copyOf(chosen);
        rejected = List.copyOf(rejected);
        meta = meta == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(meta)); // insertion order: files diff cleanly
    }
}
