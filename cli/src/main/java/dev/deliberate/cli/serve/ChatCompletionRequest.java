package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;

import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /v1/chat/completions}, checked field by field: every problem becomes a 400 naming the
 * field ({@code messages[2].role}) and what it should be. A field that would change the answer but that this server
 * cannot honour ({@code response_format}, {@code tools}, penalties, …) and any field OpenAI does not define is refused
 * with a 400 naming it, as OpenAI refuses unknown arguments, instead of being silently dropped; only fields that
 * change nothing in the answer ({@code user}, {@code metadata}, …) are accepted and ignored.
 *
 * @param logprobs    return each sampled token's log-probability
 * @param topLogprobs with {@code logprobs}, the number of alternatives per position (0..20)
 */
public record ChatCompletionRequest(String model, ChatRequest chat, boolean stream, boolean includeUsage, boolean logprobs, int topLogprobs) {

    /** Fields read below. */
    private static final java.util.Set<String> KNOWN = java.util.Set.of("model", "messages", "n", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "seed", "stop", "stream", "stream_options", "logprobs", "top_logprobs", "tools", "tool_choice",
            "response_format", "frequency_penalty", "presence_penalty", "logit_bias", "modalities");
    /** OpenAI fields that do not change the answer. */
    private static final java.util.Set<String> IGNORED = java.util.Set.of("user", "metadata", "store", "service_tier", "parallel_tool_calls");
    /** OpenAI fields this server cannot honour. */
    private static final java.util.Set<String> UNSUPPORTED = java.util.Set.of("functions", "function_call", "audio", "prediction",
            "web_search_options", "reasoning_effort", "verbosity", "prompt_cache_key", "safety_identifier");

    /** Server-side bounds and defaults. */
    public record Limits(int maxN, int maxTokens, int defaultMaxTokens, int maxStops) {
        public static final Limits DEFAULT = new Limits(64, 32_768, 1024, 16);
    }

    public static ChatCompletionRequest parse(JsonNode root, Limits limits) {
        if (!root.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object, got " + kind(root));
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (KNOWN.contains(f) || IGNORED.contains(f)) continue;
            if (UNSUPPORTED.contains(f))
                throw unsupported(f, "'" + f + "' is not supported by this server; remove it");
            throw unsupported(f, "Unrecognized request argument supplied: " + f);
        }
        JsonNode rf = root.get("response_format");
        if (rf != null && !rf.isNull() && !(rf.isObject() && "text".equals(rf.path("type").asText()) && rf.size() == 1))
            throw unsupported("response_format", "'response_format' " + (rf.isObject() && rf.has("type") ? "of type '" + rf.path("type").asText() + "' " : "")
                    + "is not supported by this server (it cannot constrain the output to JSON); remove it or use {\"type\":\"text\"}");
        JsonNode tc = root.get("tool_choice");
        if (tc != null && !tc.isNull() && !(tc.isTextual() && tc.asText().equals("none")))
            throw unsupported("tool_choice", "tool calls are not supported by this server; remove 'tool_choice'");
        for (String pen : List.of("frequency_penalty", "presence_penalty")) {
            JsonNode v = root.get(pen);
            if (v != null && !v.isNull() && !(v.isNumber() && v.asDouble() == 0))
                throw unsupported(pen, "'" + pen + "' is not supported by this server; remove it or send 0");
        }
        JsonNode lb = root.get("logit_bias");
        if (lb != null && !lb.isNull() && !(lb.isObject() && lb.isEmpty()))
            throw unsupported("logit_bias", "'logit_bias' is not supported by this server; remove it");
        JsonNode mod = root.get("modalities");
        if (mod != null && !mod.isNull() && !(mod.isArray() && mod.size() == 1 && "text".equals(mod.get(0).asText())))
            throw unsupported("modalities", "only the text modality is served; remove 'modalities' or send [\"text\"]");
        String model = text(root, "model", true);
        JsonNode msgs = root.get("messages");
        if (msgs == null || msgs.isNull()) throw ApiError.invalid("messages", "'messages' is required: an array of {role, content} objects");
        if (!msgs.isArray()) throw ApiError.invalid("messages", "'messages' must be an array, got " + kind(msgs));
        if (msgs.isEmpty()) throw ApiError.invalid("messages", "'messages' must hold at least one message");
        var messages = new ArrayList<Message>(msgs.size());
        for (int i = 0; i < msgs.size(); i++) messages.add(message(msgs.get(i), "messages[" + i + "]"));
        JsonNode tools = root.get("tools");
        if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty()))
            throw ApiError.invalid("tools", "tool calls are not supported by this server; remove 'tools'");

        var params = sampling(root, limits);
        boolean stream = bool(root, "stream");
        boolean includeUsage = false;
        JsonNode so = root.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) throw ApiError.invalid("stream_options", "'stream_options' must be an object, got " + kind(so));
            includeUsage = bool(so, "include_usage");
        }
        boolean logprobs = bool(root, "logprobs");
        int topLogprobs = integer(root, "top_logprobs", 0, 0, 20);
        if (root.hasNonNull("top_logprobs") && !logprobs)
            throw ApiError.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        return new ChatCompletionRequest(model, new ChatRequest(messages, params), stream, includeUsage, logprobs, topLogprobs);
    }

    /** The sampling fields both completion routes take: {@code n}, {@code max_tokens}, {@code temperature}, {@code top_p}, {@code seed}, {@code stop}. */
    static SamplingParams sampling(JsonNode root, Limits limits) {
        int n = integer(root, "n", 1, 1, limits.maxN());
        int maxTokens = root.hasNonNull("max_completion_tokens")
                ? integer(root, "max_completion_tokens", limits.defaultMaxTokens(), 1, limits.maxTokens())
                : integer(root, "max_tokens", limits.defaultMaxTokens(), 1, limits.maxTokens());
        double temperature = number(root, "temperature", 1.0, 0, 2);
        double topP = number(root, "top_p", 1.0, 0, 1);
        if (topP == 0) throw ApiError.invalid("top_p", "'top_p' must be greater than 0 and at most 1, got 0");
        Long seed = null;
        JsonNode s = root.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) throw ApiError.invalid("seed", "'seed' must be an integer, got " + kind(s));
            seed = s.asLong();
        }
        List<String> stop = stops(root.get("stop"), limits.maxStops());
        return new SamplingParams(temperature, topP, maxTokens, n, stop, seed);
    }

    static ApiError unsupported(String field, String message) {
        return new ApiError(400, "invalid_request_error", field, "unsupported_parameter", message);
    }

    private static Message message(JsonNode m, String where) {
        if (!m.isObject()) throw ApiError.invalid(where, "'" + where + "' must be an object with 'role' and 'content', got " + kind(m));
        JsonNode r = m.get("role");
        if (r == null || !r.isTextual()) throw ApiError.invalid(where + ".role", "'" + where + ".role' must be one of system, developer, user, assistant");
        Message.Role role;
        try {
            role = Message.Role.fromWire(r.asText());
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(where + ".role", "'" + where + ".role' is '" + r.asText() + "'; this server takes system, developer, user and assistant messages");
        }
        JsonNode c = m.get("content");
        if (c == null || c.isNull()) {
            if (role == Message.Role.ASSISTANT) return new Message(role, "");
            throw ApiError.invalid(where + ".content", "'" + where + ".content' is required");
        }
        if (c.isTextual()) return new Message(role, c.asText());
        if (c.isArray()) { // content parts: only text is understood here
            var sb = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                String pw = where + ".content[" + i + "]";
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual())
                    throw ApiError.invalid(pw, "'" + pw + "' must be a text part {\"type\":\"text\",\"text\":…}; images and audio are not supported");
                sb.append(part.get("text").asText());
            }
            return new Message(role, sb.toString());
        }
        throw ApiError.invalid(where + ".content", "'" + where + ".content' must be a string or an array of text parts, got " + kind(c));
    }

    static List<String> stops(JsonNode s, int max) {
        if (s == null || s.isNull()) return List.of();
        if (s.isTextual()) return s.asText().isEmpty() ? List.of() : List.of(s.asText());
        if (!s.isArray()) throw ApiError.invalid("stop", "'stop' must be a string or an array of strings, got " + kind(s));
        if (s.size() > max) throw ApiError.invalid("stop", "'stop' may hold at most " + max + " strings, got " + s.size());
        var out = new ArrayList<String>();
        for (int i = 0; i < s.size(); i++) {
            if (!s.get(i).isTextual()) throw ApiError.invalid("stop", "'stop[" + i + "]' must be a string, got " + kind(s.get(i)));
            if (!s.get(i).asText().isEmpty()) out.add(s.get(i).asText());
        }
        return out;
    }

    static String text(JsonNode root, String field, boolean required) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            if (required) throw ApiError.invalid(field, "'" + field + "' is required");
            return null;
        }
        if (!v.isTextual()) throw ApiError.invalid(field, "'" + field + "' must be a string, got " + kind(v));
        return v.asText();
    }

    static int integer(JsonNode root, String field, int dflt, int min, int max) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble())))
            throw ApiError.invalid(field, "'" + field + "' must be an integer, got " + kind(v));
        long x = v.asLong();
        if (x < min || x > max) throw ApiError.invalid(field, "'" + field + "' must be between " + min + " and " + max + ", got " + v);
        return (int) x;
    }

    static double number(JsonNode root, String field, double dflt, double min, double max) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw ApiError.invalid(field, "'" + field + "' must be a number, got " + kind(v));
        double x = v.asDouble();
        if (!(x >= min && x <= max)) throw ApiError.invalid(field, "'" + field + "' must be between " + min + " and " + max + ", got " + v);
        return x;
    }

    static boolean bool(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw ApiError.invalid(field, "'" + field + "' must be true or false, got " + kind(v));
        return v.asBoolean();
    }

    /** What a JSON value is, for messages: {@code string "abc"}, {@code number 3}, {@code array}, … */
    static String kind(JsonNode v) {
        String shown = v.toString();
        if (shown.length() > 40) shown = shown.substring(0, 40) + "…";
        return switch (v.getNodeType()) {
            case STRING -> "string " + shown;
            case NUMBER -> "number " + shown;
            case BOOLEAN -> "boolean " + shown;
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL, MISSING -> "null";
            default -> shown;
        };
    }
}
