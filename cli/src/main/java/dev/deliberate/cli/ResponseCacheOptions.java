package dev.deliberate.cli;

import dev.deliberate.align.llm.ChatModels;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --cache FILE} and {@code --no-cache}: the response cache of remote model calls, the same on every command. */
final class ResponseCacheOptions {
    @Option(names = "--cache", paramLabel = "FILE", description = "Response cache for remote models (default: $DELIBERATE_CACHE or ~/.cache/deliberate/responses.sqlite).")
    Path file;

    @Option(names = "--no-cache", description = "Call remote models without the response cache.")
    boolean off;

    ChatModels.OpenOptions apply(ChatModels.OpenOptions options) {
        if (file != null) options = options.withCache(file);
        if (off) options = options.withNoCache();
        return options;
    }
}
