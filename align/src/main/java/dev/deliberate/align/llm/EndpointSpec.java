package dev.deliberate.align.llm;

import java.net.URI;
import java.util.Objects;

/**
 * One server of an {@link EndpointPool} and the limits it is used within.
 *
 * @param baseUrl           the API root, e.g. {@code http://a:8000/v1}
 * @param weight            share of the load relative to the others (least outstanding requests per unit weight)
 * @param maxConcurrency    calls in flight to this server at once
 * @param requestsPerMinute budget of calls per minute (0 = unlimited), as an API's rate limit states it
 * @param tokensPerMinute   budget of tokens per minute, prompt and completion (0 = unlimited)
 */
public record EndpointSpec(URI baseUrl, double weight, int maxConcurrency, double requestsPerMinute, double tokensPerMinute) {
    public EndpointSpec {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String s = baseUrl.toString();
        if (!(s.startsWith("http://") || s.startsWith("https://")) || baseUrl.getHost() == null)
            throw new IllegalArgumentException("endpoint '" + s + "' is not an http(s)://host:port/v1 URL");
        if (baseUrl.getRawUserInfo() != null)
            throw new IllegalArgumentException("endpoint for host " + baseUrl.getHost() + " carries credentials in the URL; pass the key through an environment variable instead");
        baseUrl = URI.create(s.replaceAll("/+$", ""));
        if (!(weight > 0)) throw new IllegalArgumentException("endpoint " + baseUrl + ": weight must be > 0, got " + weight);
        if (maxConcurrency < 1) throw new IllegalArgumentException("endpoint " + baseUrl + ": max_concurrency must be >= 1, got " + maxConcurrency);
        if (requestsPerMinute < 0) throw new IllegalArgumentException("endpoint " + baseUrl + ": requests_per_minute must be >= 0, got " + requestsPerMinute);
        if (tokensPerMinute < 0) throw new IllegalArgumentException("endpoint " + baseUrl + ": tokens_per_minute must be >= 0, got " + tokensPerMinute);
    }

    /** Weight 1, {@code maxConcurrency} in flight, no rate budgets. */
    public static EndpointSpec of(URI baseUrl, int maxConcurrency) {
        return new EndpointSpec(baseUrl, 1, maxConcurrency, 0, 0);
    }
}
