package dev.deliberate.cli;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.ModelRef;
import dev.deliberate.bench.ServerBench;
import dev.deliberate.bench.ServerCostModel;
import dev.deliberate.align.llm.StepwiseChatModel;
import dev.deliberate.cli.serve.BatchingScheduler;
import dev.deliberate.cli.serve.ConcurrentScheduler;
import dev.deliberate.cli.serve.ContinuousBatchingScheduler;
import dev.deliberate.cli.serve.OpenAiServer;
import dev.deliberate.cli.serve.Scheduler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"OpenAI-compatible server throughput with 1, 8 and 32 concurrent clients: requests/s, tokens/s, p50/p99 latency,",
                "and the speed-up of whole-batch and continuous batching over sequential service (the reference). Medians of --repeats runs over loopback HTTP."})
final class BenchServerCommand implements Callable<Integer> {
    private static final int QUEUE = 4096; // the bench measures throughput, not rejection

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "REF", description = "Serve this model instead of the simulated decoder (e.g. a tiny checkpoint directory).")
    String model;

    @Option(names = "--clients", split = ",", defaultValue = "1,8,32", description = "Concurrent client counts (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(names = "--requests-per-client", defaultValue = "4", description = "Requests each client sends in turn (default: ${DEFAULT-VALUE}).")
    int perClient;

    @Option(names = "--max-tokens", defaultValue = "32", description = "max_tokens per request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--max-batch", defaultValue = "32", description = "Batch bound of the batched server (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs per cell; medians are reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--step-ms", defaultValue = "1.0", description = "Simulated decoder: fixed cost of one decode step (default: ${DEFAULT-VALUE}).")
    double stepMs;

    @Option(names = "--item-ms", defaultValue = "0.05", description = "Simulated decoder: extra cost per sequence per step (default: ${DEFAULT-VALUE}).")
    double itemMs;

    @Override
    public Integer call() throws Exception {
        if (clients.stream().anyMatch(c -> c < 1) || perClient < 1 || repeats < 1 || maxBatch < 1 || maxTokens < 1)
            throw new UserError("--clients, --requests-per-client, --repeats, --max-batch and --max-tokens must all be >= 1");
        var out = spec.commandLine().getOut();
        ChatModel chat;
        boolean remote = false;
        if (model == null) {
            chat = new ServerCostModel(Duration.ofNanos((long) (stepMs * 1e6)), Duration.ofNanos((long) (itemMs * 1e6)), maxTokens);
        } else {
            ModelRef ref;
            try {
                ref = ModelRef.parse(model);
                chat = ChatModels.global().open(ref, ChatModels.OpenOptions.defaults().withNoCache());
            } catch (IllegalArgumentException e) {
                throw new UserError("--model: " + e.getMessage());
            }
            remote = ref instanceof ModelRef.Endpoint || ref instanceof ModelRef.OpenAi;
        }
        boolean proxy = remote;
        ServerBench.ServerFactory factory = (m, mode, batch) -> {
            Scheduler scheduler = proxy ? new ConcurrentScheduler(m, QUEUE, batch)
                    : switch (mode) {
                        case SEQUENTIAL, BATCHED -> new BatchingScheduler(m, QUEUE, batch);
                        case CONTINUOUS -> new ContinuousBatchingScheduler((StepwiseChatModel) m, QUEUE, batch);
                    };
            var server = new OpenAiServer("bench", scheduler, OpenAiServer.Options.loopback(0));
            return new ServerBench.Served() {
                public URI baseUrl() {
                    return server.baseUrl();
                }

                public String modelName() {
                    return "bench";
                }

                public void close() {
                    server.stop(Duration.ofSeconds(5));
                }
            };
        };
        out.println("server throughput, model " + chat.id() + ", " + perClient + " requests per client, max_tokens " + maxTokens + ", median of " + repeats + " runs");
        out.println(ServerBench.header());
        out.flush();
        try (chat) {
            var rows = ServerBench.run(chat, factory, new ServerBench.Config(clients, perClient, maxTokens, maxBatch, repeats), out);
            out.println();
            out.println("speed-up over sequential service (the reference):");
            ServerBench.speedups(rows).forEach(out::println);
        }
        out.flush();
        return 0;
    }
}
