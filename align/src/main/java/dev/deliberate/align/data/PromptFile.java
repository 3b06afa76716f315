package dev.deliberate.align.data;

import dev.deliberate.align.io.Jsonl;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.spec.Category;
import dev.deliberate.align.spec.Rule;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.spec.Style;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.prompt.LookalikeType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;

/**
 * A user's prompts for {@code generate --prompts}: JSONL, one object a line, checked against the spec. Only
 * {@code prompt} and {@code category} (a spec category id, or {@code general}) are required; the rest defaults from
 * the category: a prompt in a refuse or safe-complete category is {@code harmful-operational} in that style, one in a
 * comply category is {@code educational}; {@code id} defaults to {@code line-N}. Rule ids must belong to the category.
 * Every problem names the file, the line and the field.
 */
public final class PromptFile {

    static final Set<String> FIELDS = Set.of("id", "split", "category", "intent", "style", "rules", "lookalike", "gold", "topic",
            "template", "prompt", "attack", "plain");

    private PromptFile() {}

    public static List<LabelledPrompt> read(Path file, Spec spec) throws IOException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) text = text.substring(1); // a byte-order mark, as some editors write
        var out = new ArrayList<LabelledPrompt>();
        var ids = new HashMap<String, Integer>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            int no = i + 1;
            JsonNode n;
            try {
                n = Jsonl.MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                throw problem(file, no, null, "not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (n == null || !n.isObject()) throw problem(file, no, null, "expected one JSON object per line");
            for (var it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!FIELDS.contains(f)) throw problem(file, no, f, "unknown field; a prompt record has " + new java.util.TreeSet<>(FIELDS));
            }
            String prompt = text(file, no, n, "prompt", true);
            if (prompt.isBlank()) throw problem(file, no, "prompt", "is empty");
            String categoryId = text(file, no, n, "category", true);
            Category category = null;
            if (!categoryId.equals(LabelledPrompt.GENERAL)) {
                category = spec.category(categoryId).orElseThrow(() -> problem(file, no, "category", "'" + categoryId
                        + "' is not a category of the spec; known: " + spec.categories().stream().map(Category::id).toList() + " or general"));
            }
            Intent intent;
            String intentText = text(file, no, n, "intent", false);
            try {
                intent = intentText != null ? Intent.fromWire(intentText)
                        : category == null ? Intent.GENERAL : category.style() == Style.COMPLY ? Intent.EDUCATIONAL : Intent.HARMFUL_OPERATIONAL;
            } catch (IllegalArgumentException e) {
                throw problem(file, no, "intent", e.getMessage());
            }
            if ((intent == Intent.GENERAL) != (category == null))
                throw problem(file, no, "intent", "general tasks have category 'general' and intent 'general'; got category " + categoryId + " with intent " + intent.wire());
            Style style;
            String styleText = text(file, no, n, "style", false);
            try {
                style = styleText != null ? Style.fromWire(styleText) : intent == Intent.HARMFUL_OPERATIONAL ? category.style() : Style.COMPLY;
            } catch (IllegalArgumentException e) {
                throw problem(file, no, "style", e.getMessage());
            }
            List<String> rules = new ArrayList<>();
            if (n.has("rules")) {
                if (!n.get("rules").isArray()) throw problem(file, no, "rules", "must be a list of rule ids");
                for (JsonNode r : n.get("rules")) {
                    String id = r.asText();
                    if (category == null || category.rules().stream().map(Rule::id).noneMatch(id::equals))
                        throw problem(file, no, "rules", "rule '" + id + "' is not a rule of category " + categoryId
                                + (category == null ? "" : "; its rules: " + category.rules().stream().map(Rule::id).toList()));
                    rules.add(id);
                }
            }
            LookalikeType lookalike;
            try {
                String l = text(file, no, n, "lookalike", false);
                lookalike = l == null ? null : LookalikeType.fromWire(l);
            } catch (IllegalArgumentException e) {
                throw problem(file, no, "lookalike", e.getMessage());
            }
            String id = text(file, no, n, "id", false);
            if (id == null) id = "line-" + no;
            Integer before = ids.putIfAbsent(id, no);
            if (before != null) throw problem(file, no, "id", "'" + id + "' was already used on line " + before + "; ids must be unique");
            String split = text(file, no, n, "split", false);
            out.add(new LabelledPrompt(id, split == null ? "train" : split, categoryId, intent, style, rules, lookalike,
                    text(file, no, n, "gold", false), text(file, no, n, "topic", false), text(file, no, n, "template", false),
                    prompt, text(file, no, n, "attack", false), text(file, no, n, "plain", false)));
        }
        return out;
    }

    private static String text(Path file, int line, JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) throw problem(file, line, field, "missing (a prompt record needs at least prompt and category)");
            return null;
        }
        if (!v.isTextual()) throw problem(file, line, field, "must be a string, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        return v.asText();
    }

    private static IllegalArgumentException problem(Path file, int line, String field, String what) {
        return new IllegalArgumentException(file + ":" + line + (field == null ? "" : ": field '" + field + "'") + ": " + what);
    }
}
