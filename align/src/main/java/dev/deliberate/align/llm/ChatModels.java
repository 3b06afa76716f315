package dev.deliberate.align.llm;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Opens a {@link ChatModel} from a {@link ModelRef} string. HTTP endpoints ({@code http(s)://…#model},
 * {@code openai:MODEL}) are built in; other schemes ({@code world:}) and local checkpoint directories come from
 * providers that their modules register here, so that model access does not depend on them:
 * <pre>{@code
 * ChatModels.register("world", (name, options) -> SpecWorld.model(name));
 * ChatModels.registerLocal(new ChatModels.LocalLoader() { … });
 * }</pre>
 * Remote models are wrapped in a {@link CachedChatModel} unless the options say {@code noCache}.
 */
public final class ChatModels {
    private ChatModels() {}

    public static final String DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";

    /**
     * How to open a model.
     *
     * @param cacheFile      the SQLite response cache for remote models; null = no cache ({@code --no-cache})
     * @param apiKeyEnv      which key goes to which {@code http(s)://} endpoint: {@code VAR} (the environment variable
     *                       holding the key for the endpoint of this command), or {@code host[:port]=VAR,…} pairing each
     *                       key with its endpoint; null = send none. Never used for {@code openai:}, which takes
     *                       {@code OPENAI_API_KEY} only, nor for local or named models ({@link #keyFor})
     * @param env            where environment variables are read (tests pass a map)
     * @param maxConcurrency calls in flight per remote model
     * @param maxRetries     retries of transient failures per call
     * @param requestTimeout limit on one call attempt
     * @param totalTimeout   limit on a whole call, retries and backoff included
     */
    public record OpenOptions(Path cacheFile, String apiKeyEnv, Function<String, String> env,
                              int maxConcurrency, int maxRetries, Duration requestTimeout, Duration totalTimeout, Path chatTemplate) {
        public OpenOptions {
            Objects.requireNonNull(env, "env");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(totalTimeout, "totalTimeout");
        }

        public OpenOptions(Path cacheFile, String apiKeyEnv, Function<String, String> env, int maxConcurrency, int maxRetries, Duration requestTimeout) {
            this(cacheFile, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout, requestTimeout.multipliedBy(2), null);
        }

        /** Per-attempt timeout, retries and the total deadline ({@code --request-timeout}, {@code --retries}, {@code --total-timeout}). */
        public OpenOptions withTimeouts(int maxRetries, Duration requestTimeout, Duration totalTimeout) {
            return new OpenOptions(cacheFile, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout, totalTimeout, chatTemplate);
        }

        /** The cache in {@code $DELIBERATE_CACHE} or {@code ~/.cache/deliberate/responses.sqlite}, keys from the process environment. */
        public static OpenOptions defaults() {
            String file = System.getenv("DELIBERATE_CACHE");
            Path cache = file != null && !file.isBlank() ? Path.of(file)
                    : Path.of(System.getProperty("user.home"), ".cache", "deliberate", "responses.sqlite");
            return new OpenOptions(cache, null, System::getenv, 8, OpenAiChatModel.DEFAULT_RETRIES, OpenAiChatModel.DEFAULT_REQUEST_TIMEOUT,
                    OpenAiChatModel.DEFAULT_REQUEST_TIMEOUT.multipliedBy(2), null);
        }

        public OpenOptions withCache(Path file) {
            return new OpenOptions(file, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout, totalTimeout, chatTemplate);
        }

        public OpenOptions withNoCache() {
            return withCache(null);
        }

        public OpenOptions withApiKeyEnv(String var) {
            return new OpenOptions(cacheFile, var, env, maxConcurrency, maxRetries, requestTimeout, totalTimeout, chatTemplate);
        }

        public OpenOptions withEnv(Function<String, String> env) {
            return new OpenOptions(cacheFile, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout, totalTimeout, chatTemplate);
        }

        public OpenOptions withEnv(Map<String, String> env) {
            return withEnv(env::get);
        }

        public OpenOptions withLimits(int maxConcurrency, int maxRetries, Duration requestTimeout) {
            return new OpenOptions(cacheFile, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout, totalTimeout, chatTemplate);
        }

        /**
         * The chat template of the model an {@code http(s)://} endpoint serves ({@code --chat-template}: its HF folder,
         * {@code tokenizer_config.json} or a {@code .jinja} file), so that a reasoning prefix can be continued through
         * {@code /v1/completions} (PP-COT branching); null: none.
         */
        public OpenOptions withChatTemplate(Path template) {
            return new OpenOptions(cacheFile, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout, totalTimeout, template);
        }
    }

    /** Opens the model for a {@code SCHEME:NAME} reference; throws {@link IllegalArgumentException} for an unknown name. */
    @FunctionalInterface
    public interface Provider {
        ChatModel open(String name, OpenOptions options);
    }

    /** Opens local checkpoint directories of the kinds it understands. */
    public interface LocalLoader {
        /** Whether this loader reads {@code dir} (e.g. it holds {@code config.json} of a supported architecture). */
        boolean accepts(Path dir);

        ChatModel open(Path dir, OpenOptions options);

        /** What a directory needs for this loader, for error messages: e.g. "engine: config.json + model.safetensors". */
        String describe();
    }

    /** Scheme and loader registrations. Tests make their own; the command line uses {@link #global()}. */
    public static final class Registry {
        private final Map<String, Provider> providers = new TreeMap<>();
        private final List<LocalLoader> loaders = new CopyOnWriteArrayList<>();

        public synchronized Registry register(String scheme, Provider provider) {
            Objects.requireNonNull(provider, "provider");
            if (!ModelRef.SCHEME.matcher(scheme + ":x").matches())
                throw new IllegalArgumentException("scheme '" + scheme + "' must be lower-case letters, digits, '+', '.' or '-', at least two characters, starting with a letter");
            if (scheme.equals("openai") || scheme.equals("http") || scheme.equals("https"))
                throw new IllegalArgumentException("scheme '" + scheme + "' is built in");
            providers.put(scheme, provider);
            return this;
        }

        public Registry registerLocal(LocalLoader loader) {
            loaders.add(Objects.requireNonNull(loader, "loader"));
            return this;
        }

        public synchronized List<String> schemes() {
            var all = new ArrayList<>(List.of("http", "https", "openai"));
            all.addAll(providers.keySet());
            return all;
        }

        public ChatModel open(String ref, OpenOptions options) {
            return open(ModelRef.parse(ref), options);
        }

        public ChatModel open(ModelRef ref, OpenOptions options) {
            return switch (ref) {
                case ModelRef.Endpoint e -> remote(e.baseUrl(), e.model(), keyFor(e, options), options);
                case ModelRef.OpenAi o -> openAi(o, options);
                case ModelRef.Pool p -> pool(p, options);
                case ModelRef.Named n -> {
                    Provider p;
                    synchronized (this) {
                        p = providers.get(n.scheme());
                    }
                    if (p == null)
                        throw new IllegalArgumentException("model reference '" + n.text() + "': no provider for '" + n.scheme() + ":' is registered (known schemes: "
                                + String.join(", ", schemes()) + "); to use a checkpoint directory of that name, write ./" + n.text());
                    yield p.open(n.name(), options);
                }
                case ModelRef.Local l -> local(l.dir(), options);
            };
        }

        private ChatModel local(Path dir, OpenOptions options) {
            boolean adapterPair = !Files.exists(dir) && dir.toString().contains("+"); // BASE_DIR+ADAPTER_DIR, for the loaders to resolve
            if (!Files.exists(dir) && !adapterPair)
                throw new IllegalArgumentException("model reference '" + dir + "': no such checkpoint directory (a model reference is " + ModelRef.SYNTAX + ")");
            if (!adapterPair && !Files.isDirectory(dir))
                throw new IllegalArgumentException("model reference '" + dir + "' is a file; a local model is a Hugging Face checkpoint directory (config.json, model.safetensors, tokenizer.json)");
            if (loaders.isEmpty())
                throw new IllegalArgumentException("model reference '" + dir + "': no loader for local checkpoints is registered in this build (the local engine is not wired in)");
            for (LocalLoader l : loaders) if (l.accepts(dir)) return l.open(dir, options);
            var wants = loaders.stream().map(LocalLoader::describe).toList();
            throw new IllegalArgumentException("model reference '" + dir + "': no registered loader reads this directory; they need: " + String.join("; ", wants));
        }

        private ChatModel openAi(ModelRef.OpenAi o, OpenOptions options) {
            String base = options.env().apply("OPENAI_BASE_URL");
            URI baseUrl;
            try {
                baseUrl = URI.create(base == null || base.isBlank() ? DEFAULT_OPENAI_BASE_URL : base.strip());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("OPENAI_BASE_URL is not a valid URL: " + ex.getMessage());
            }
            if (baseUrl.getScheme() == null || baseUrl.getHost() == null || !baseUrl.getScheme().startsWith("http"))
                throw new IllegalArgumentException("OPENAI_BASE_URL must be an http(s) URL such as " + DEFAULT_OPENAI_BASE_URL);
            String var = OPENAI_KEY_ENV;
            ApiKey key = keyFor(o, options);
            if (key == null && baseUrl.getHost().endsWith("openai.com"))
                throw new IllegalArgumentException("model reference '" + o.text() + "' needs an API key: set " + var);
            return remote(baseUrl, o.model(), key, options);
        }

        /**
         * An endpoint pool. Each server gets the key {@code apiKeyEnv} names for its host, as a single endpoint would;
         * a plain {@code VAR} is refused when the servers are on more than one host.
         */
        private static ChatModel pool(ModelRef.Pool p, OpenOptions options) {
            var settings = EndpointPool.Settings.defaults().withRetries(options.maxRetries()).withRequestTimeout(options.requestTimeout());
            PoolSpec spec = p.file() != null ? PoolSpec.read(p.file(), options.maxConcurrency(), settings)
                    : PoolSpec.inline(p.baseUrls(), p.model(), options.maxConcurrency(), settings);
            var hosts = new java.util.TreeSet<String>();
            for (EndpointSpec e : spec.endpoints()) hosts.add(authority(e.baseUrl()));
            String plain = options.apiKeyEnv();
            if (plain != null && !plain.isBlank() && !plain.contains("=") && hosts.size() > 1)
                throw new IllegalArgumentException("--api-key-env " + plain + " would send that key to " + String.join(" and ", hosts)
                        + "; name the endpoint it is for: --api-key-env " + hosts.first() + "=" + plain + " (pairs separated by commas)");
            var keys = new ArrayList<ApiKey>();
            for (EndpointSpec e : spec.endpoints()) keys.add(keyFor(new ModelRef.Endpoint(e.baseUrl(), spec.model()), options));
            ChatModel m = new PooledChatModel(spec.model(), EndpointPool.keyed(spec.endpoints(), spec.settings(), keys));
            if (options.cacheFile() == null) return m;
            return new CachedChatModel(m, ResponseCache.open(options.cacheFile()), true);
        }

        private static ChatModel remote(URI baseUrl, String model, ApiKey key, OpenOptions options) {
            var opts = OpenAiChatModel.Options.of(baseUrl, model).withApiKey(key)
                    .withMaxConcurrency(options.maxConcurrency()).withMaxRetries(options.maxRetries())
                    .withRequestTimeout(options.requestTimeout()).withTotalTimeout(options.totalTimeout());
            var m = new OpenAiChatModel(opts, options.chatTemplate() == null ? null : dev.deliberate.engine.tokenizer.ChatTemplate.read(options.chatTemplate()));
            if (options.cacheFile() == null) return m;
            return new CachedChatModel(m, ResponseCache.open(options.cacheFile()), true);
        }
    }

    /** The only variable an {@code openai:} reference takes its key from. */
    public static final String OPENAI_KEY_ENV = "OPENAI_API_KEY";

    /**
     * The key a reference is sent, or null: an {@code openai:} reference gets {@code $OPENAI_API_KEY} and nothing else;
     * an {@code http(s)://} endpoint gets the key {@code apiKeyEnv} names for it ({@code VAR}, or the {@code VAR} paired
     * with its {@code host[:port]}); local checkpoints and named models ({@code world:…}) get none. A key is never sent
     * to a host the user did not pair it with.
     *
     * @throws IllegalArgumentException when the variable named for this endpoint is unset or empty, or the pairing is malformed
     */
    public static ApiKey keyFor(ModelRef ref, OpenOptions options) {
        return switch (ref) {
            case ModelRef.OpenAi o -> ApiKey.fromEnv(OPENAI_KEY_ENV, options.env());
            case ModelRef.Endpoint e -> {
                String var = keyVarFor(e, options.apiKeyEnv());
                if (var == null) yield null;
                ApiKey k = ApiKey.fromEnv(var, options.env());
                if (k == null)
                    throw new IllegalArgumentException("model reference '" + e.text() + "': the API key variable " + var + " is unset or empty");
                yield k;
            }
            case ModelRef.Local l -> null;
            case ModelRef.Named n -> null;
            case ModelRef.Pool p -> throw new IllegalArgumentException("an endpoint pool has a key per server; ask for each server's key");
        };
    }

    /** The variable named for endpoint {@code e} in an {@code --api-key-env} value, or null. */
    static String keyVarFor(ModelRef.Endpoint e, String apiKeyEnv) {
        if (apiKeyEnv == null || apiKeyEnv.isBlank()) return null;
        if (!apiKeyEnv.contains("=")) return checkVar(apiKeyEnv.strip());
        String authority = authority(e.baseUrl());
        for (String pair : apiKeyEnv.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--api-key-env '" + apiKeyEnv + "': write VAR or host[:port]=VAR,… (got '" + pair + "')");
            String host = pair.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
            String var = checkVar(pair.substring(eq + 1).strip());
            URI u = URI.create((host.contains("://") ? "" : e.baseUrl().getScheme() + "://") + host);
            if (authority(u).equals(authority)) return var;
        }
        return null;
    }

    private static String checkVar(String var) {
        if (!var.matches("[A-Za-z_][A-Za-z0-9_]*"))
            throw new IllegalArgumentException("--api-key-env '" + var + "' is not an environment variable name (the key itself never goes on the command line)");
        return var;
    }

    /** {@code host:port} with the scheme's default port filled in. */
    private static String authority(URI u) {
        int port = u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        return (u.getHost() == null ? "" : u.getHost().toLowerCase(java.util.Locale.ROOT)) + ":" + port;
    }

    /**
     * Refuses a plain {@code --api-key-env VAR} when the command's references point at more than one endpoint host:
     * the key would go to all of them. Pair it with its host instead ({@code host[:port]=VAR}).
     */
    public static void checkKeyScope(String apiKeyEnv, List<String> refs) {
        if (apiKeyEnv == null || apiKeyEnv.contains("=")) return;
        var hosts = new java.util.TreeSet<String>();
        for (String r : refs) {
            if (r == null) continue;
            ModelRef ref;
            try {
                ref = ModelRef.parse(r);
            } catch (IllegalArgumentException e) {
                continue; // reported where the reference is opened
            }
            if (ref instanceof ModelRef.Endpoint e) hosts.add(authority(e.baseUrl()));
            if (ref instanceof ModelRef.Pool p) p.baseUrls().forEach(u -> hosts.add(authority(u)));
        }
        if (hosts.size() > 1)
            throw new IllegalArgumentException("--api-key-env " + apiKeyEnv + " would send that key to " + String.join(" and ", hosts)
                    + "; name the endpoint it is for: --api-key-env " + hosts.first() + "=" + apiKeyEnv + " (pairs separated by commas)");
    }

    private static final Registry GLOBAL = new Registry();

    /** The registry the command line opens models from. */
    public static Registry global() {
        return GLOBAL;
    }

    public static void register(String scheme, Provider provider) {
        GLOBAL.register(scheme, provider);
    }

    public static void registerLocal(LocalLoader loader) {
        GLOBAL.registerLocal(loader);
    }

    public static ChatModel open(String ref, OpenOptions options) {
        return GLOBAL.open(ref, options);
    }
}
