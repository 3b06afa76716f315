package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.reward.RewardService;
import dev.deliberate.align.spec.Style;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;

import java.util.ArrayList;
import java.util.List;

/**
 * The two request shapes of the reward endpoint, read into {@link RewardService.Item}s; every problem is a 400 that
 * names the field ({@code labels[3]}, {@code query[0]}).
 *
 * <ul>
 * <li>OpenRLHF's remote reward model ({@code POST /get_reward}): {@code {"query": [prompt + response, …],
 *     "prompts": [prompt, …], "labels": [label, …]}} as {@code openrlhf/utils/agent.py}'s
 *     {@code SingleTurnAgentExecutor._fetch_rewards_via_http} sends it; the response is {@code query} with the
 *     {@code prompts} prefix and trailing special tokens removed.</li>
 * <li>A TRL reward function's arguments ({@code POST /v1/rewards}): {@code {"prompts": […], "completions": […],
 *     "labels": […]}}, each prompt and completion a string or a conversational message list.</li>
 * </ul>
 *
 * A label is a JSON object (or a string holding one) with at least {@code category} and {@code style}
 * ({@code refuse}, {@code safe-complete} or {@code comply}); a whole SpecWorld line works as it is.
 */
public final class RewardRequest {
    /** Items per request; larger batches should be split by the client. */
    public static final int MAX_ITEMS = 4096;
    /** End-of-turn and padding tokens a decoded {@code query} may end with. */
    static final List<String> SPECIAL_ENDS = List.of("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "</s>", "<eos>",
            "<end_of_turn>", "<|end|>", "<pad>", "<|pad|>");

    private RewardRequest() {}

    /** OpenRLHF's shape. */
    public static List<RewardService.Item> openRlhf(JsonNode body) {
        requireObject(body);
        List<String> queries = strings(body, "query");
        JsonNode labelsNode = body.get("labels");
        if (labelsNode == null || labelsNode.isNull())
            throw ApiError.invalid("labels", "'labels' is required: the spec judge needs each prompt's category and expected style "
                    + "(OpenRLHF sends the dataset's --label_key column; put e.g. {\"category\":\"CHEM\",\"style\":\"refuse\"} there)");
        List<String> prompts = body.has("prompts") && !body.get("prompts").isNull() ? strings(body, "prompts") : null;
        if (prompts == null)
            throw ApiError.invalid("prompts", "'prompts' is required to cut each response out of its 'query' (OpenRLHF sends both)");
        sameLength("prompts", prompts.size(), "query", queries.size());
        JsonNode labels = array(body, "labels");
        sameLength("labels", labels.size(), "query", queries.size());
        List<RewardService.Item> out = new ArrayList<>(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            String q = queries.get(i), p = prompts.get(i);
            if (!q.startsWith(p))
                throw ApiError.invalid("query[" + i + "]", "query[" + i + "] does not start with prompts[" + i + "]; OpenRLHF's query is the prompt followed by the response");
            out.add(new RewardService.Item(label(labels.get(i), "labels[" + i + "]", p), stripSpecialEnds(q.substring(p.length()))));
        }
        return out;
    }

    /** TRL's shape. */
    public static List<RewardService.Item> trl(JsonNode body) {
        requireObject(body);
        JsonNode prompts = array(body, "prompts");
        JsonNode completions = array(body, "completions");
        sameLength("completions", completions.size(), "prompts", prompts.size());
        JsonNode labels = array(body, "labels");
        sameLength("labels", labels.size(), "prompts", prompts.size());
        List<RewardService.Item> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String prompt = text(prompts.get(i), "prompts[" + i + "]", "user");
            String completion = text(completions.get(i), "completions[" + i + "]", "assistant");
            out.add(new RewardService.Item(label(labels.get(i), "labels[" + i + "]", prompt), completion));
        }
        return out;
    }

    static String stripSpecialEnds(String s) {
        String t = s.strip();
        boolean again = true;
        while (again) {
            again = false;
            for (String end : SPECIAL_ENDS)
                if (t.endsWith(end)) {
                    t = t.substring(0, t.length() - end.length()).strip();
                    again = true;
                }
        }
        return t;
    }

    /** A string, or a message list: the last message of {@code role} (the user's request, the assistant's reply). */
    private static String text(JsonNode n, String field, String role) {
        if (n == null || n.isNull()) throw ApiError.invalid(field, field + " is missing");
        if (n.isTextual()) return n.asText();
        if (n.isArray()) {
            String found = null;
            for (int j = 0; j < n.size(); j++) {
                JsonNode m = n.get(j);
                if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual())
                    throw ApiError.invalid(field + "[" + j + "]", field + "[" + j + "] must be a message {\"role\": …, \"content\": \"…\"}");
                if (m.get("role").asText().equals(role)) found = m.get("content").asText();
            }
            if (found == null) throw ApiError.invalid(field, field + " has no '" + role + "' message");
            return found;
        }
        throw ApiError.invalid(field, field + " must be a string or a list of messages");
    }

    static LabelledPrompt label(JsonNode n, String field, String prompt) {
        if (n == null || n.isNull()) throw ApiError.invalid(field, field + " is missing; give {\"category\": …, \"style\": …}");
        JsonNode o = n;
        if (n.isTextual()) {
            try {
                o = Jsonl.MAPPER.readTree(n.asText());
            } catch (java.io.IOException e) {
                throw ApiError.invalid(field, field + " is a string but not JSON; give a JSON object such as {\"category\":\"CHEM\",\"style\":\"refuse\"}");
            }
        }
        if (o == null || !o.isObject()) throw ApiError.invalid(field, field + " must be a JSON object such as {\"category\":\"CHEM\",\"style\":\"refuse\"}");
        if (!o.path("category").isTextual() || o.get("category").asText().isBlank())
            throw ApiError.invalid(field + ".category", field + " has no 'category' (a spec category id, or 'general')");
        String category = o.get("category").asText();
        JsonNode styleNode = o.hasNonNull("style") ? o.get("style") : o.get("expected_style");
        if (styleNode == null || !styleNode.isTextual())
            throw ApiError.invalid(field + ".style", field + " has no 'style' (refuse, safe-complete or comply)");
        Style style;
        Intent intent;
        try {
            style = Style.fromWire(styleNode.asText());
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(field + ".style", field + ".style: " + e.getMessage());
        }
        try {
            intent = o.hasNonNull("intent") ? Intent.fromWire(o.get("intent").asText())
                    : category.equals(LabelledPrompt.GENERAL) ? Intent.GENERAL
                    : style == Style.COMPLY ? Intent.EDUCATIONAL : Intent.HARMFUL_OPERATIONAL;
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(field + ".intent", field + ".intent: " + e.getMessage());
        }
        List<String> rules = new ArrayList<>();
        if (o.has("rules")) {
            if (!o.get("rules").isArray()) throw ApiError.invalid(field + ".rules", field + ".rules must be a list of rule ids");
            o.get("rules").forEach(r -> rules.add(r.asText()));
        }
        if (intent == Intent.GENERAL && !o.path("gold").isTextual())
            throw ApiError.invalid(field + ".gold", field + " is a general task and needs 'gold' (the correct answer)");
        String text = o.path("prompt").isTextual() ? o.get("prompt").asText() : prompt;
        if (text.isBlank()) text = "(empty prompt)";
        return new LabelledPrompt(o.path("id").asText("reward"), "train", category, intent, style, rules, null,
                o.path("gold").isTextual() ? o.get("gold").asText() : null, o.path("topic").asText(null), null, text,
                o.path("attack").asText(LabelledPrompt.NO_ATTACK), o.path("plain").asText(null));
    }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
    }

    private static JsonNode array(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) throw ApiError.invalid(field, "'" + field + "' is required");
        if (!n.isArray()) throw ApiError.invalid(field, "'" + field + "' must be a list");
        if (n.isEmpty()) throw ApiError.invalid(field, "'" + field + "' is empty");
        if (n.size() > MAX_ITEMS) throw ApiError.invalid(field, "'" + field + "' has " + n.size() + " items; at most " + MAX_ITEMS + " per request");
        return n;
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode n = array(body, field);
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) throw ApiError.invalid(field + "[" + i + "]", field + "[" + i + "] must be a string");
            out.add(n.get(i).asText());
        }
        return out;
    }

    private static void sameLength(String field, int n, String other, int m) {
        if (n != m) throw ApiError.invalid(field, "'" + field + "' has " + n + " items but '" + other + "' has " + m + "; they must pair up one to one");
    }
}
