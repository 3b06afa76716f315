package dev.deliberate.cli;

import picocli.CommandLine.Option;

/**
 * {@code --api-key-env}: the key this command sends to the model endpoints it calls (upstream). Not the key a
 * server asks its clients for, which {@code serve} names {@code --auth-key-env}.
 */
final class UpstreamKeyOption {
    @Option(names = "--api-key-env", paramLabel = "VAR|HOST=VAR", description = "Key for the http(s):// endpoint of this command, from environment variable VAR; with two endpoint hosts pair each: host[:port]=VAR,... openai: references use OPENAI_API_KEY only.")
    String env;
}
