package dev.deliberate.align.llm;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A model named by one command-line string:
 * <ul>
 *   <li>{@code path/to/checkpoint} — a local Hugging Face checkpoint directory ({@link Local}); also a PEFT LoRA
 *       adapter folder (its base from {@code base_model_name_or_path}) or {@code BASE_DIR+ADAPTER_DIR};</li>
 *   <li>{@code http(s)://host:port/v1#model-name} — any OpenAI-compatible endpoint ({@link Endpoint});</li>
 *   <li>{@code openai:MODEL} — the endpoint in {@code OPENAI_BASE_URL} (default the OpenAI API) with the key
 *       in {@code OPENAI_API_KEY} ({@link OpenAi});</li>
 *   <li>{@code http://a:8000/v1,http://b:8000/v1#model-name} or {@code pool.yaml} — several servers of one model used
 *       as one endpoint pool ({@link Pool});</li>
 *   <li>{@code SCHEME:NAME} — a model from a registered provider, such as {@code world:teacher} ({@link Named}).</li>
 * </ul>
 * Parsing is syntactic; whether a directory exists or a scheme has a provider is checked by {@link ChatModels#open}.
 */
public sealed interface ModelRef {

    /** The reference as the user would write it; never contains a key. */
    String text();

    record Local(Path dir) implements ModelRef {
        public String text() {
            return dir.toString();
        }
    }

    /** @param baseUrl the API root that {@code /chat/completions} hangs off, without a trailing slash */
    record Endpoint(URI baseUrl, String model) implements ModelRef {
        public String text() {
            return baseUrl + "#" + model;
        }
    }

    /**
     * An endpoint pool: either servers named inline ({@code file} null) or a YAML pool file ({@code baseUrls} empty,
     * {@code model} null until the file is read). See {@link PoolSpec}.
     */
    record Pool(List<URI> baseUrls, String model, Path file) implements ModelRef {
        public Pool {
            baseUrls = List.copyOf(baseUrls);
        }

        public String text() {
            if (file != null) return file.toString();
            return String.join(",", baseUrls.stream().map(URI::toString).toList()) + "#" + model;
        }
    }

    record OpenAi(String model) implements ModelRef {
        public String text() {
            return "openai:" + model;
        }
    }

    record Named(String scheme, String name) implements ModelRef {
        public String text() {
            return scheme + ":" + name;
        }
    }

    String SYNTAX = "a checkpoint directory, http(s)://host:port/v1#model-name (several URLs joined by commas, or a pool.yaml, for an endpoint pool), openai:MODEL, or SCHEME:NAME such as world:teacher";

    // two letters at least, so that a Windows drive (C:\models) reads as a path
    Pattern SCHEME = Pattern.compile("([a-z][a-z0-9+.-]+):(.*)", Pattern.DOTALL);

    static ModelRef parse(String ref) {
        if (ref == null || ref.isBlank()) throw new IllegalArgumentException("empty model reference; expected " + SYNTAX);
        String s = ref.strip();
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) return s.contains(",") ? parsePool(s) : parseEndpoint(s);
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
            try {
                return new Pool(List.of(), null, Path.of(s));
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("endpoint pool file '" + s + "' is not a valid path (" + e.getReason() + ")");
            }
        }
        var m = SCHEME.matcher(s);
        if (m.matches()) {
            String scheme = m.group(1), name = m.group(2);
            if (name.isBlank()) throw new IllegalArgumentException("model reference '" + s + "' names no model after '" + scheme + ":'; expected e.g. "
                    + (scheme.equals("openai") ? "openai:gpt-4o" : scheme + ":teacher"));
            return scheme.equals("openai") ? new OpenAi(name) : new Named(scheme, name);
        }
        try {
            return new Local(Path.of(s));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("model reference '" + s + "' is not a valid path (" + e.getReason() + "); expected " + SYNTAX);
        }
    }

    /** {@code URL,URL,…#model}: the model name once, after the last URL. */
    private static Pool parsePool(String s) {
        int hash = s.lastIndexOf('#');
        if (hash < 0 || s.substring(hash + 1).isBlank())
            throw new IllegalArgumentException("endpoint pool '" + s + "' names no model; add it after '#', e.g. http://a:8000/v1,http://b:8000/v1#my-model");
        String model = s.substring(hash + 1);
        var urls = new java.util.ArrayList<URI>();
        for (String part : s.substring(0, hash).split(",")) {
            if (part.isBlank()) throw new IllegalArgumentException("endpoint pool '" + s + "' has an empty entry between commas");
            String p = part.strip();
            String pl = p.toLowerCase(java.util.Locale.ROOT);
            if (!(pl.startsWith("http://") || pl.startsWith("https://")))
                throw new IllegalArgumentException("endpoint pool '" + s + "': '" + p + "' is not an http(s):// URL");
            if (p.contains("#")) throw new IllegalArgumentException("endpoint pool '" + s + "': give the model once, after the last URL");
            Endpoint e = parseEndpoint(p + "#" + model);
            if (urls.contains(e.baseUrl())) throw new IllegalArgumentException("endpoint pool '" + s + "' lists " + e.baseUrl() + " twice");
            urls.add(e.baseUrl());
        }
        return new Pool(urls, model, null);
    }

    private static Endpoint parseEndpoint(String s) {
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("model reference '" + s + "' is not a valid URL (" + e.getReason() + "); expected http(s)://host:port/v1#model-name");
        }
        if (uri.getHost() == null)
            throw new IllegalArgumentException("model reference '" + s + "' has no host; expected http(s)://host:port/v1#model-name");
        if (uri.getRawUserInfo() != null)
            throw new IllegalArgumentException("model reference for host " + uri.getHost() + " carries credentials in the URL; pass the key through an environment variable instead");
        String model = uri.getFragment();
        if (model == null || model.isBlank())
            throw new IllegalArgumentException("model reference '" + s + "' names no model; add it after '#', e.g. " + s + (s.endsWith("#") ? "" : "#") + "my-model");
        if (uri.getRawQuery() != null)
            throw new IllegalArgumentException("model reference '" + s + "' has a query string; expected http(s)://host:port/v1#model-name");
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        URI base = URI.create(uri.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + uri.getRawAuthority() + path);
        return new Endpoint(base, model);
    }
}
