package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.guard.GuardResult;
import dev.deliberate.align.guard.PolicyGuard;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.Completion;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI's moderation API, {@code POST /v1/moderations}, answered by a {@link PolicyGuard}: {@code input} is a string,
 * a list of strings, or a list of {@code {"type":"text","text":…}} parts; each result has {@code flagged},
 * {@code categories} and {@code category_scores} keyed by the spec's category ids, and the policy reading in the
 * extension field {@code deliberate} ({@code decision}, {@code category}, {@code rule_ids}, {@code reasoning}). The
 * reasoner's calls go through the server's scheduler, so they share its queue (429 when full), batching and
 * cancellation with chat completions.
 */
public final class ModerationsHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Inputs per request. */
    public static final int MAX_INPUTS = 256;
    /** OpenAI's model names, accepted so clients that hard-code them work. */
    static final Set<String> OPENAI_NAMES = Set.of("omni-moderation-latest", "text-moderation-latest", "text-moderation-stable",
            "omni-moderation-2024-09-26");

    private final PolicyGuard guard;
    private final Scheduler scheduler;
    private final String modelName;

    public ModerationsHandler(PolicyGuard guard, Scheduler scheduler, String modelName) {
        this.guard = guard;
        this.scheduler = scheduler;
        this.modelName = modelName;
    }

    public List<OpenAiServer.Route> routes() {
        return List.of(new OpenAiServer.Route("POST", "/v1/moderations", this::moderate));
    }

    /** The inputs of a moderation request, each problem a 400 naming the field. */
    static List<String> inputs(JsonNode body) {
        if (body == null || !body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
        JsonNode in = body.get("input");
        if (in == null || in.isNull()) throw ApiError.invalid("input", "'input' is required: a string or a list of strings");
        List<String> out = new ArrayList<>();
        if (in.isTextual()) out.add(in.asText());
        else if (in.isArray()) {
            if (in.isEmpty()) throw ApiError.invalid("input", "'input' is an empty list");
            if (in.size() > MAX_INPUTS) throw ApiError.invalid("input", "'input' has " + in.size() + " items; at most " + MAX_INPUTS + " per request");
            for (int i = 0; i < in.size(); i++) {
                JsonNode x = in.get(i);
                if (x.isTextual()) out.add(x.asText());
                else if (x.isObject() && "text".equals(x.path("type").asText()) && x.path("text").isTextual()) out.add(x.get("text").asText());
                else if (x.isObject() && "image_url".equals(x.path("type").asText()))
                    throw ApiError.invalid("input[" + i + "]", "input[" + i + "] is an image; this guard reads text only");
                else throw ApiError.invalid("input[" + i + "]", "input[" + i + "] must be a string or {\"type\": \"text\", \"text\": \"…\"}");
            }
        } else throw ApiError.invalid("input", "'input' must be a string or a list of strings");
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) throw ApiError.invalid("model", "'model' must be a string");
        return out;
    }

    private void moderate(OpenAiServer.Exchange ex) throws IOException {
        List<String> inputs = inputs(ex.body());
        JsonNode model = ex.body().get("model");
        if (model != null && model.isTextual() && !model.asText().equals(modelName) && !OPENAI_NAMES.contains(model.asText()))
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found",
                    "the model '" + model.asText() + "' does not exist on this server; it serves '" + modelName + "'");
        List<CompletableFuture<List<Completion>>> calls = new ArrayList<>(inputs.size());
        try {
            for (String s : inputs) calls.add(scheduler.submit(new ChatRequest(guard.prompt(s), guard.params()), null));
        } catch (Scheduler.QueueFull e) {
            calls.forEach(c -> c.cancel(true));
            throw new ApiError(429, "rate_limit_error", null, "rate_limit_exceeded", e.getMessage());
        } catch (Scheduler.ShuttingDown e) {
            calls.forEach(c -> c.cancel(true));
            throw new ApiError(503, "server_error", null, "shutting_down", e.getMessage());
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
        try {
            ex.await(all);
        } catch (RuntimeException e) {
            calls.forEach(c -> c.cancel(true));
            throw e;
        }
        ObjectNode root = JSON.createObjectNode().put("id", "modr-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()))
                .put("model", modelName);
        var results = root.putArray("results");
        for (var c : calls) results.add(result(guard.read(c.join())));
        ex.send(200, root.toString());
    }

    ObjectNode result(GuardResult r) {
        ObjectNode o = JSON.createObjectNode().put("flagged", r.flagged());
        ObjectNode cats = o.putObject("categories"), scores = o.putObject("category_scores"), types = o.putObject("category_applied_input_types");
        for (String id : guard.categoryIds()) { // in spec order
            cats.put(id, Boolean.TRUE.equals(r.categories().get(id)));
            scores.put(id, r.categoryScores().getOrDefault(id, 0.0));
            var t = types.putArray(id);
            if (Boolean.TRUE.equals(r.categories().get(id))) t.add("text");
        }
        ObjectNode ext = o.putObject("deliberate");
        if (r.failed()) {
            ext.put("outcome", "guard-failed").put("failure", r.failure());
        } else {
            ext.put("outcome", "read").put("decision", r.decision().wire());
            if (r.category() == null) ext.putNull("category");
            else ext.put("category", r.category());
            var ids = ext.putArray("rule_ids");
            r.ruleIds().forEach(ids::add);
            ext.put("reasoning", r.reasoning());
        }
        ext.put("samples", r.samples()).put("failed_samples", r.failures());
        return o;
    }
}
