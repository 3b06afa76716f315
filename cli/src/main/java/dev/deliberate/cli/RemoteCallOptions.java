package dev.deliberate.cli;

import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.OpenAiChatModel;
import picocli.CommandLine.Option;

import java.time.Duration;

/** How long a call to a remote model may take: per attempt, how many attempts, and a deadline for the whole call. */
final class RemoteCallOptions {
    @Option(names = "--request-timeout", paramLabel = "SECONDS", description = "Limit on one attempt of a remote call (for a stream: the longest silence) (default: 600).")
    Integer requestTimeout;

    @Option(names = "--retries", paramLabel = "N", description = "Retries of a remote call after 429, 5xx, timeouts or dropped connections (default: "
            + OpenAiChatModel.DEFAULT_RETRIES + ").")
    Integer retries;

    @Option(names = "--total-timeout", paramLabel = "SECONDS", description = "Deadline for a whole remote call, retries and waits included (default: twice --request-timeout).")
    Integer totalTimeout;

    @Option(names = "--chat-template", paramLabel = "PATH", description = "The chat template of the model an http(s):// endpoint serves "
            + "(its Hugging Face folder, tokenizer_config.json or a .jinja file), so that SaRO's process-level branching continues the "
            + "teacher's own reasoning prefix through the endpoint's /v1/completions; without it the teacher is asked in a new turn.")
    java.nio.file.Path chatTemplate;

    /** The options with these limits, checked: a bad value is a {@link UserError} naming the flag. */
    ChatModels.OpenOptions apply(ChatModels.OpenOptions o) {
        if (chatTemplate != null) {
            if (!java.nio.file.Files.exists(chatTemplate)) throw new UserError("--chat-template " + chatTemplate + ": no such file or folder");
            try {
                dev.deliberate.engine.tokenizer.ChatTemplate.read(chatTemplate);
            } catch (RuntimeException e) {
                throw new UserError("--chat-template " + e.getMessage());
            }
            o = o.withChatTemplate(chatTemplate);
        }
        int per = requestTimeout == null ? (int) OpenAiChatModel.DEFAULT_REQUEST_TIMEOUT.toSeconds() : requestTimeout;
        int n = retries == null ? OpenAiChatModel.DEFAULT_RETRIES : retries;
        if (per < 1 || per > 86_400) throw new UserError("--request-timeout must be between 1 and 86400 seconds, got " + per);
        if (n < 0 || n > 100) throw new UserError("--retries must be between 0 and 100, got " + n);
        int total = totalTimeout == null ? (int) Math.min(86_400, 2L * per) : totalTimeout;
        if (total < 1 || total > 86_400) throw new UserError("--total-timeout must be between 1 and 86400 seconds, got " + total);
        if (total < per) throw new UserError("--total-timeout " + total + " is shorter than --request-timeout " + per + "; one attempt could never finish");
        return o.withTimeouts(n, Duration.ofSeconds(per), Duration.ofSeconds(total));
    }
}
