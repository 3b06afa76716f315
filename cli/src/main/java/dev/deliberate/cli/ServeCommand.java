package dev.deliberate.cli;

import dev.deliberate.align.llm.ApiKey;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.ModelRef;
import dev.deliberate.cli.serve.ChatCompletionRequest;
import dev.deliberate.cli.serve.Http1Server;
import dev.deliberate.cli.serve.OpenAiServer;
import dev.deliberate.cli.serve.Scheduler;
import dev.deliberate.cli.serve.Schedulers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over an OpenAI-compatible HTTP API (/v1/models, /v1/chat/completions, streaming included).",
                "REF is any model reference: a checkpoint directory, world:teacher, or http(s)://host:port/v1#model or openai:MODEL,",
                "in which case this is a caching proxy."})
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "REF", description = "The model to serve (required unless --reward): " + ModelRef.SYNTAX + ".")
    String model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}, loopback only).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--auth-key-env", paramLabel = "VAR", description = "Require clients to send the key held in environment variable VAR as a bearer token (the server's own key; --upstream-api-key-env is the key it sends upstream).")
    String authKeyEnv;

    /** The older name of --auth-key-env: the same meaning, so a server started with it is never left open. */
    @Option(names = "--api-key-env", paramLabel = "VAR", hidden = true)
    String legacyAuthKeyEnv;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model name clients ask for (default: the upstream's model name for a remote REF, else REF as written).")
    String servedName;

    @Option(names = "--max-queue", defaultValue = "64", description = "Requests that may wait; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--max-batch", defaultValue = "8", description = "Requests decoded together by a local model; for a step-wise engine, the number of sequence slots (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-concurrency", defaultValue = "8", description = "Upstream calls in flight when proxying (default: ${DEFAULT-VALUE}).")
    int maxConcurrency;

    @Option(names = "--max-body-bytes", defaultValue = "4194304", description = "Larger request bodies get 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--default-max-tokens", defaultValue = "1024", description = "max_tokens when a request gives none (default: ${DEFAULT-VALUE}).")
    int defaultMaxTokens;

    @Option(names = "--allow-origin", paramLabel = "ORIGIN", split = ",",
            description = "Let web pages from ORIGIN (scheme://host[:port]; '*' for any) call the server from a browser; other sites' requests get 403. Repeatable.")
    java.util.List<String> allowOrigins = new java.util.ArrayList<>();

    @Option(names = "--header-timeout", defaultValue = "10", paramLabel = "SECONDS", description = "Time a client has to send a request's headers (default: ${DEFAULT-VALUE}).")
    int headerTimeout;

    @Option(names = "--body-timeout", defaultValue = "30", paramLabel = "SECONDS", description = "Time a client has to send a request's body (default: ${DEFAULT-VALUE}).")
    int bodyTimeout;

    @Option(names = "--idle-timeout", defaultValue = "15", paramLabel = "SECONDS", description = "Idle keep-alive connections are closed after this (default: ${DEFAULT-VALUE}).")
    int idleTimeout;

    @Option(names = "--max-connections", defaultValue = "512", description = "Open connections at once; more get 503 (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--upstream-api-key-env", paramLabel = "VAR", description = "Key for an http(s):// upstream, from environment variable VAR (an openai: upstream uses OPENAI_API_KEY only).")
    String upstreamKeyEnv;

    @CommandLine.Mixin
    RemoteCallOptions remote = new RemoteCallOptions();

    @picocli.CommandLine.Mixin
    ResponseCacheOptions cache;

    /** A started server and what it owns; {@link #stop} is idempotent. */
    @CommandLine.Mixin
    ServeServices services = new ServeServices();

    /** A started server and what it owns; {@link #stop} is idempotent. */
    record Running(OpenAiServer server, ChatModel model, AutoCloseable extra) {
        Running(OpenAiServer server, ChatModel model) {
            this(server, model, null);
        }

        void stop() {
            server.stop(Duration.ofSeconds(10));
            if (model != null) model.close();
            if (extra != null) try {
                extra.close();
            } catch (Exception ignored) {
                // the server has stopped; what is left to close holds nothing a client waits for
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        Running r = start();
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            spec.commandLine().getErr().println("deliberate serve: shutting down, letting requests in progress finish");
            spec.commandLine().getErr().flush();
            r.stop();
            stopped.countDown();
        }, "serve-shutdown"));
        stopped.await();
        return 0;
    }

    Running start() throws IOException {
        if (model == null && !services.reward) throw new UserError("--model is required (the model to serve; with --guard, the policy reasoner)");
        if (services.guard && model != null) model = dev.deliberate.align.guard.PolicyGuard.reasonerRef(model);
        var ref = model == null ? null : parseRef();
        int cap = ChatCompletionRequest.Limits.DEFAULT.maxTokens();
        if (defaultMaxTokens < 1 || defaultMaxTokens > cap)
            throw new UserError("--default-max-tokens must be between 1 and " + cap + " (the largest max_tokens a request may ask for), got " + defaultMaxTokens);
        Schedulers.Limits limits;
        Http1Server.Limits http;
        try {
            limits = new Schedulers.Limits(maxQueue, maxBatch, maxConcurrency);
            http = new Http1Server.Limits(seconds("--header-timeout", headerTimeout), seconds("--body-timeout", bodyTimeout),
                    seconds("--idle-timeout", idleTimeout), maxConnections, Http1Server.Limits.DEFAULT.maxHeaderBytes());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (maxConnections < maxQueue + maxBatch)
            throw new UserError("--max-connections " + maxConnections + " is below --max-queue + --max-batch (" + (maxQueue + maxBatch) + "); requests the queue would take could not connect");
        var reqLimits = new ChatCompletionRequest.Limits(ChatCompletionRequest.Limits.DEFAULT.maxN(), cap,
                defaultMaxTokens, ChatCompletionRequest.Limits.DEFAULT.maxStops());
        if (legacyAuthKeyEnv != null) {
            if (authKeyEnv != null && !authKeyEnv.equals(legacyAuthKeyEnv))
                throw new UserError("--api-key-env (the older name of --auth-key-env) and --auth-key-env name different variables; give --auth-key-env only");
            authKeyEnv = legacyAuthKeyEnv;
            System.getLogger("dev.deliberate.serve").log(System.Logger.Level.WARNING,
                    "serve --api-key-env is now --auth-key-env (the key clients must send); --upstream-api-key-env is the key sent upstream");
        }
        ApiKey key = null;
        if (authKeyEnv != null) {
            key = ApiKey.fromEnv(authKeyEnv, System::getenv);
            if (key == null) throw new UserError("--auth-key-env " + authKeyEnv + ": that environment variable is unset or empty; export the key clients must send");
        }
        OpenAiServer.Options opts;
        try {
            for (String o : allowOrigins)
                if (!o.strip().equals("*") && !o.strip().matches("(?i)https?://[^/\\s]+/?"))
                    throw new UserError("--allow-origin '" + o + "' is not an origin; write scheme://host[:port], e.g. http://localhost:3000, or '*'");
            opts = new OpenAiServer.Options(host, port, key, maxBodyBytes, reqLimits, allowOrigins, http);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (key == null && !isLoopback(host))
            System.getLogger("dev.deliberate.serve").log(System.Logger.Level.WARNING,
                    "serving on " + host + " without --auth-key-env: anyone who can reach this address can use the model");

        var options = remote.apply(ChatModels.OpenOptions.defaults().withApiKeyEnv(upstreamKeyEnv));
        options = cache.apply(options);
        ChatModel chat = null;
        try {
            if (ref != null) chat = ChatModels.global().open(ref, options);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        boolean remote = ref instanceof ModelRef.Endpoint || ref instanceof ModelRef.OpenAi;
        Scheduler scheduler = chat == null ? null : Schedulers.forModel(chat, remote, limits);
        var policy = services.any() ? services.spec() : null;
        var routes = services.any() ? services.routes(policy, scheduler, servedName != null ? servedName : ref == null ? "deliberate-reward" : ref.text(), options, maxConcurrency, maxQueue) : List.<OpenAiServer.Route>of();
        // a proxy answers to the upstream's model name, so clients need not change theirs
        String name = servedName != null ? servedName : ref == null ? "deliberate-reward" : switch (ref) {
            case ModelRef.Endpoint e -> e.model();
            case ModelRef.OpenAi o -> o.model();
            default -> ref.text();
        };
        OpenAiServer server;
        try {
            server = new OpenAiServer(name, scheduler, opts, routes);
        } catch (IOException e) {
            if (scheduler != null) scheduler.close();
            if (chat != null) chat.close();
            services.close();
            throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage() + " (choose another --port, or stop what uses it)");
        }
        var out = spec.commandLine().getOut();
        out.println("serving " + (chat == null ? "no chat model" : chat.id()) + " as '" + name + "' at " + server.baseUrl() + (remote ? " (caching proxy" + (cache.off ? ", cache off)" : ")") : "")
                + (key != null ? ", clients authenticate with $" + authKeyEnv : "") + services.describe(server.baseUrl().toString()));
        out.flush();
        return new Running(server, chat, services);
    }

    private static Duration seconds(String flag, int s) {
        if (s < 1 || s > 86_400) throw new UserError(flag + " must be between 1 and 86400 seconds, got " + s);
        return Duration.ofSeconds(s);
    }

    private ModelRef parseRef() {
        try {
            return ModelRef.parse(model);
        } catch (IllegalArgumentException e) {
            throw new UserError("--model: " + e.getMessage());
        }
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
