package dev.deliberate.align.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An endpoint pool as a user writes it: inline ({@code http://a:8000/v1,http://b:8000/v1#model}, every server with
 * the default limits) or as a YAML file:
 * <pre>{@code
 * model: Qwen/Qwen3-32B
 * max_concurrency: 64            # per endpoint, unless an endpoint says otherwise
 * retries: 6
 * eject_after: 3                 # failures in a row that eject a server
 * health_interval_s: 5           # GET /models on every server this often
 * request_timeout_s: 600
 * endpoints:
 *   - url: http://a:8000/v1
 *     weight: 2
 *   - url: https://judge.example.com/v1
 *     max_concurrency: 16
 *     requests_per_minute: 500
 *     tokens_per_minute: 200000
 * }</pre>
 */
public record PoolSpec(String model, List<EndpointSpec> endpoints, EndpointPool.Settings settings) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP = Set.of("model", "endpoints", "max_concurrency", "retries", "eject_after", "health_interval_s", "request_timeout_s");
    private static final Set<String> PER_ENDPOINT = Set.of("url", "weight", "max_concurrency", "requests_per_minute", "tokens_per_minute");

    public PoolSpec {
        endpoints = List.copyOf(endpoints);
        if (model == null || model.isBlank()) throw new IllegalArgumentException("an endpoint pool needs a model name");
        if (endpoints.isEmpty()) throw new IllegalArgumentException("an endpoint pool needs at least one endpoint");
    }

    /** Every server with {@code maxConcurrency} in flight, weight 1, no budgets. */
    public static PoolSpec inline(List<URI> baseUrls, String model, int maxConcurrency, EndpointPool.Settings settings) {
        return new PoolSpec(model, baseUrls.stream().map(u -> EndpointSpec.of(u, maxConcurrency)).toList(), settings);
    }

    /**
     * Reads a pool file; errors name the file and the field. Values not in the file come from
     * {@code defaultConcurrency} and {@code defaults}.
     */
    public static PoolSpec read(Path file, int defaultConcurrency, EndpointPool.Settings defaults) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("endpoint pool file " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("endpoint pool file " + file + ": expected a mapping with 'model' and 'endpoints'");
        unknown(file, "", root, TOP);
        String model = root.path("model").asText(null);
        if (model == null || model.isBlank()) throw new IllegalArgumentException("endpoint pool file " + file + ": 'model' is missing (the model name the servers expect)");
        int concurrency = integer(file, "max_concurrency", root.path("max_concurrency"), defaultConcurrency, 1);
        var settings = new EndpointPool.Settings(integer(file, "retries", root.path("retries"), defaults.maxRetries(), 0),
                seconds(file, "request_timeout_s", root, defaults.requestTimeout()), defaults.connectTimeout(),
                integer(file, "eject_after", root.path("eject_after"), defaults.ejectAfter(), 1), seconds(file, "health_interval_s", root, defaults.healthInterval()),
                defaults.initialBackoff(), defaults.maxBackoff());
        JsonNode list = root.path("endpoints");
        if (!list.isArray() || list.isEmpty())
            throw new IllegalArgumentException("endpoint pool file " + file + ": 'endpoints' must be a non-empty list of {url, weight, max_concurrency, requests_per_minute, tokens_per_minute}");
        var specs = new ArrayList<EndpointSpec>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String where = "endpoints[" + i + "]";
            if (e.isTextual()) e = YAML.createObjectNode().put("url", e.asText());
            if (!e.isObject()) throw new IllegalArgumentException("endpoint pool file " + file + ": " + where + " must be a URL or a mapping with 'url'");
            unknown(file, where + ".", e, PER_ENDPOINT);
            String url = e.path("url").asText(null);
            if (url == null) throw new IllegalArgumentException("endpoint pool file " + file + ": " + where + ".url is missing");
            try {
                specs.add(new EndpointSpec(URI.create(url.strip()), number(file, where + ".weight", e.path("weight"), 1),
                        integer(file, where + ".max_concurrency", e.path("max_concurrency"), concurrency, 1),
                        number(file, where + ".requests_per_minute", e.path("requests_per_minute"), 0),
                        number(file, where + ".tokens_per_minute", e.path("tokens_per_minute"), 0)));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("endpoint pool file " + file + ": " + where + ": " + ex.getMessage());
            }
        }
        return new PoolSpec(model, specs, settings);
    }

    private static void unknown(Path file, String prefix, JsonNode node, Set<String> known) {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f))
                throw new IllegalArgumentException("endpoint pool file " + file + ": unknown field '" + prefix + f + "' (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
        }
    }

    private static int integer(Path file, String field, JsonNode v, int dflt, int min) {
        if (v.isMissingNode() || v.isNull()) return dflt;
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min)
            throw new IllegalArgumentException("endpoint pool file " + file + ": '" + field + "' must be an integer >= " + min + ", got " + v);
        return v.asInt();
    }

    private static double number(Path file, String field, JsonNode v, double dflt) {
        if (v.isMissingNode() || v.isNull()) return dflt;
        if (!v.isNumber() || v.asDouble() < 0) throw new IllegalArgumentException("endpoint pool file " + file + ": '" + field + "' must be a number >= 0, got " + v);
        return v.asDouble();
    }

    private static Duration seconds(Path file, String field, JsonNode root, Duration dflt) {
        double s = number(file, field, root.path(field), -1);
        return s < 0 ? dflt : Duration.ofMillis(Math.round(s * 1000));
    }
}
