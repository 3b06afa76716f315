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
     * @param apiKeyEnv      environment variable holding the key for {@code http(s)://} endpoints (null = send none);
     *                       {@code openai:} uses it too, defaulting to {@code OPENAI_API_KEY}
     * @param env            where environment variables are read (tests pass a map)
     * @param maxConcurrency calls in flight per remote model
     * @param maxRetries     retries of transient failures per call
     * @param requestTimeout limit on one call attempt
     */
    public record OpenOptions(Path cacheFile, String apiKeyEnv, Function<String, String> env,
                              int maxConcurrency, int maxRetries, Duration requestTimeout) {
        public OpenOptions {
            Objects.requireNonNull(env, "env");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
        }

        /** The cache in {@code $DELIBERATE_CACHE} or {@code ~/.cache/deliberate/responses.sqlite}, keys from the process environment. */
        public static OpenOptions defaults() {
            String file = System.getenv("DELIBERATE_CACHE");
            Path cache = file != null && !file.isBlank() ? Path.of(file)
                    : Path.of(System.getProperty("user.home"), ".cache", "deliberate", "responses.sqlite");
            return new OpenOptions(cache, null, System::getenv, 8, 6, Duration.ofMinutes(10));
        }

        public OpenOptions withCache(Path file) {
            return new OpenOptions(file, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout);
        }

        public OpenOptions withNoCache() {
            return withCache(null);
        }

        public OpenOptions withApiKeyEnv(String var) {
            return new OpenOptions(cacheFile, var, env, maxConcurrency, maxRetries, requestTimeout);
        }

        public OpenOptions withEnv(Function<String, String> env) {
            return new OpenOptions(cacheFile, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout);
        }

        public OpenOptions withEnv(Map<String, String> env) {
            return withEnv(env::get);
        }

        public OpenOptions withLimits(int maxConcurrency, int maxRetries, Duration requestTimeout) {
            return new OpenOptions(cacheFile, apiKeyEnv, env, maxConcurrency, maxRetries, requestTimeout);
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
                case ModelRef.Endpoint e -> remote(e.baseUrl(), e.model(), endpointKey(e, options), options);
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
            if (!Files.exists(dir))
                throw new IllegalArgumentException("model reference '" + dir + "': no such checkpoint directory (a model reference is " + ModelRef.SYNTAX + ")");
            if (!Files.isDirectory(dir))
                throw new IllegalArgumentException("model reference '" + dir + "' is a file; a local model is a Hugging Face checkpoint directory (config.json, model.safetensors, tokenizer.json)");
            if (loaders.isEmpty())
                throw new IllegalArgumentException("model reference '" + dir + "': no loader for local checkpoints is registered in this build (the local engine is not wired in)");
            for (LocalLoader l : loaders) if (l.accepts(dir)) return l.open(dir, options);
            var wants = loaders.stream().map(LocalLoader::describe).toList();
            throw new IllegalArgumentException("model reference '" + dir + "': no registered loader reads this directory; they need: " + String.join("; ", wants));
        }

        private static ApiKey endpointKey(ModelRef.Endpoint e, OpenOptions options) {
            if (options.apiKeyEnv() == null) return null; // never send a key to a host the user did not pair it with
            ApiKey k = ApiKey.fromEnv(options.apiKeyEnv(), options.env());
            if (k == null)
                throw new IllegalArgumentException("model reference '" + e.text() + "': the API key variable " + options.apiKeyEnv() + " is unset or empty");
            return k;
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
            String var = options.apiKeyEnv() == null ? "OPENAI_API_KEY" : options.apiKeyEnv();
            ApiKey key = ApiKey.fromEnv(var, options.env());
            if (key == null && baseUrl.getHost().endsWith("openai.com"))
                throw new IllegalArgumentException("model reference '" + o.text() + "' needs an API key: set " + var);
            return remote(baseUrl, o.model(), key, options);
        }

        /** An endpoint pool; the key in {@code apiKeyEnv} (if named) goes to every server of the pool, which the user listed together. */
        private static ChatModel pool(ModelRef.Pool p, OpenOptions options) {
            var settings = EndpointPool.Settings.defaults().withRetries(options.maxRetries()).withRequestTimeout(options.requestTimeout());
            PoolSpec spec = p.file() != null ? PoolSpec.read(p.file(), options.maxConcurrency(), settings)
                    : PoolSpec.inline(p.baseUrls(), p.model(), options.maxConcurrency(), settings);
            ApiKey key = null;
            if (options.apiKeyEnv() != null) {
                key = ApiKey.fromEnv(options.apiKeyEnv(), options.env());
                if (key == null) throw new IllegalArgumentException("model reference '" + p.text() + "': the API key variable " + options.apiKeyEnv() + " is unset or empty");
            }
            ChatModel m = new PooledChatModel(spec.model(), new EndpointPool(spec.endpoints(), spec.settings(), key));
            if (options.cacheFile() == null) return m;
            return new CachedChatModel(m, ResponseCache.open(options.cacheFile()), true);
        }

        private static ChatModel remote(URI baseUrl, String model, ApiKey key, OpenOptions options) {
            var opts = OpenAiChatModel.Options.of(baseUrl, model).withApiKey(key)
                    .withMaxConcurrency(options.maxConcurrency()).withMaxRetries(options.maxRetries())
                    .withRequestTimeout(options.requestTimeout());
            var m = new OpenAiChatModel(opts);
            if (options.cacheFile() == null) return m;
            return new CachedChatModel(m, ResponseCache.open(options.cacheFile()), true);
        }
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
