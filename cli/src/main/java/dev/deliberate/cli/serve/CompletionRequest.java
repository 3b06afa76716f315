package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deliberate.align.llm.SamplingParams;

import java.util.Set;

/**
 * The body of {@code POST /v1/completions} (OpenAI's legacy text completions, which vLLM and llama.cpp serve too): a
 * raw {@code prompt} continued verbatim, no chat template. Checked as {@link ChatCompletionRequest} is: every problem is
 * a 400 naming the field; fields that would change the answer but are not served ({@code echo}, {@code suffix},
 * {@code logprobs}, {@code best_of}, streaming, token-id prompts, penalties) are refused by name.
 */
public record CompletionRequest(String model, String prompt, SamplingParams params) {

    private static final Set<String> KNOWN = Set.of("model", "prompt", "n", "max_tokens", "temperature", "top_p", "seed", "stop", "stream",
            "echo", "suffix", "logprobs", "best_of", "frequency_penalty", "presence_penalty", "logit_bias");
    private static final Set<String> IGNORED = Set.of("user", "metadata");

    public static CompletionRequest parse(JsonNode root, ChatCompletionRequest.Limits limits) {
        if (!root.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object, got " + ChatCompletionRequest.kind(root));
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!KNOWN.contains(f) && !IGNORED.contains(f)) throw ChatCompletionRequest.unsupported(f, "Unrecognized request argument supplied: " + f);
        }
        if (ChatCompletionRequest.bool(root, "stream"))
            throw ChatCompletionRequest.unsupported("stream", "streaming is not served on /v1/completions; send \"stream\": false or use /v1/chat/completions");
        if (ChatCompletionRequest.bool(root, "echo")) throw ChatCompletionRequest.unsupported("echo", "'echo' is not supported by this server; remove it");
        refuseUnlessDefault(root, "suffix", null, "'suffix' (insertion) is not supported by this server; remove it");
        refuseUnlessDefault(root, "logprobs", null, "'logprobs' is not served on /v1/completions; use /v1/chat/completions with \"logprobs\": true");
        refuseUnlessDefault(root, "best_of", 1, "'best_of' is not supported by this server; remove it or send 1");
        refuseUnlessDefault(root, "frequency_penalty", 0, "'frequency_penalty' is not supported by this server; remove it or send 0");
        refuseUnlessDefault(root, "presence_penalty", 0, "'presence_penalty' is not supported by this server; remove it or send 0");
        JsonNode lb = root.get("logit_bias");
        if (lb != null && !lb.isNull() && !(lb.isObject() && lb.isEmpty()))
            throw ChatCompletionRequest.unsupported("logit_bias", "'logit_bias' is not supported by this server; remove it");
        String model = ChatCompletionRequest.text(root, "model", true);
        JsonNode p = root.get("prompt");
        if (p == null || p.isNull()) throw ApiError.invalid("prompt", "'prompt' is required: the text to continue");
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) p = p.get(0);
        if (p.isArray())
            throw ApiError.invalid("prompt", "'prompt' must be one string (a batch of prompts or token ids is not served), got " + ChatCompletionRequest.kind(p));
        if (!p.isTextual()) throw ApiError.invalid("prompt", "'prompt' must be a string, got " + ChatCompletionRequest.kind(p));
        if (p.asText().isEmpty()) throw ApiError.invalid("prompt", "'prompt' is empty; give the text to continue");
        return new CompletionRequest(model, p.asText(), ChatCompletionRequest.sampling(root, limits));
    }

    /** A field this server serves only at its default: absent, null, or {@code dflt}. */
    private static void refuseUnlessDefault(JsonNode root, String field, Integer dflt, String message) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) return;
        if (dflt != null && v.isNumber() && v.asDouble() == dflt) return;
        throw ChatCompletionRequest.unsupported(field, message);
    }
}
