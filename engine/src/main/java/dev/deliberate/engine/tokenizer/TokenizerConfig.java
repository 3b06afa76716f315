package dev.deliberate.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What transformers reads from {@code tokenizer_config.json}: the special tokens by role, the chat template and
 * the added tokens ({@code added_tokens_decoder}). Token fields may be a string or an AddedToken object
 * ({@code {"content": ...}}); absent fields are null.
 */
public record TokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken,
                              String chatTemplate, List<AddedToken> addedTokens) {

    public static final TokenizerConfig EMPTY = new TokenizerConfig(null, null, null, null, null, List.of());

    /** An entry of {@code added_tokens} (tokenizer.json) or {@code added_tokens_decoder} (tokenizer_config.json). */
    public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip,
                             boolean normalized, boolean singleWord) {}

    public TokenizerConfig {
        addedTokens = List.copyOf(addedTokens);
    }

    /** Reads the file, or {@link #EMPTY} when it does not exist. */
    public static TokenizerConfig read(Path file) {
        if (!Files.exists(file)) return EMPTY;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new TokenizerFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    public static TokenizerConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) throw new TokenizerFormatException(source + ": expected a JSON object at the top level");
        List<AddedToken> added = new ArrayList<>();
        JsonNode dec = root.get("added_tokens_decoder");
        if (dec != null && !dec.isNull()) {
            if (!dec.isObject()) throw new TokenizerFormatException(source + ": field 'added_tokens_decoder' must be an object {\"id\": {\"content\": ...}}");
            for (var it = dec.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                String where = source + ": added_tokens_decoder[\"" + e.getKey() + "\"]";
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new TokenizerFormatException(where + ": the key must be an integer token id");
                }
                JsonNode t = e.getValue();
                if (!t.isObject() || !t.path("content").isTextual())
                    throw new TokenizerFormatException(where + ".content must be a string");
                added.add(new AddedToken(id, t.get("content").asText(), t.path("special").asBoolean(false),
                        t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                        t.path("normalized").asBoolean(false), t.path("single_word").asBoolean(false)));
            }
        }
        return new TokenizerConfig(token(root, "bos_token", source), token(root, "eos_token", source),
                token(root, "pad_token", source), token(root, "unk_token", source), chatTemplate(root, source), added);
    }

    private static String token(JsonNode root, String field, String source) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) return v.asText();
        if (v.isObject() && v.path("content").isTextual()) return v.get("content").asText();
        throw new TokenizerFormatException(source + ": field '" + field + "' must be a string or {\"content\": \"...\"}");
    }

    /** A string, or a list of {@code {"name","template"}} from which the one named "default" is used. */
    private static String chatTemplate(JsonNode root, String source) {
        JsonNode v = root.get("chat_template");
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) return v.asText();
        if (v.isArray()) {
            for (JsonNode t : v) if ("default".equals(t.path("name").asText()) && t.path("template").isTextual()) return t.get("template").asText();
            throw new TokenizerFormatException(source + ": field 'chat_template' is a list without an entry named \"default\"");
        }
        throw new TokenizerFormatException(source + ": field 'chat_template' must be a string or a list of {\"name\", \"template\"}");
    }
}
