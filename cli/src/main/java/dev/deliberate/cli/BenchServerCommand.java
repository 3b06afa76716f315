package dev.deliberate.cli;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.ChatRequest;
import dev.deliberate.align.llm.LocalChatModel;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.llm.ModelRef;
import dev.deliberate.bench.ServerBench;
import dev.deliberate.bench.ServerCostModel;
import dev.deliberate.align.llm.StepwiseChatModel;
import dev.deliberate.cli.serve.BatchingScheduler;
import dev.deliberate.cli.serve.ConcurrentScheduler;
import dev.deliberate.cli.serve.ContinuousBatchingScheduler;
import dev.deliberate.cli.serve.OpenAiServer;
import dev.deliberate.cli.serve.Scheduler;
import dev.deliberate.engine.io.TinyCheckpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"OpenAI-compatible server throughput with 1, 8 and 32 concurrent clients: requests/s, tokens/s, p50/p99 latency,",
                "and the speed-up of whole-batch and continuous batching over sequential service (the reference). Medians of --repeats runs over loopback HTTP."})
final class BenchServerCommand implements Callable<Integer> {
    private static final int QUEUE = 4096; // the bench measures throughput, not rejection

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "REF", description = "Serve this model instead of the simulated decoder: a checkpoint directory, any model reference, "
            + "or 'tiny' for a random tiny engine checkpoint written to a temporary folder.")
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

    /**
     * A random tiny engine checkpoint (hidden 256, 4 layers, ~3M parameters) with a trained BPE tokenizer, removed
     * when the JVM exits. Big enough that a decode step reads its weights from memory, as real models do, which is
     * what batching amortises; the 64-wide test model lives in L1 cache and measures only overheads.
     */
    private static Path tinyCheckpoint() throws IOException {
        Path dir = Files.createTempDirectory("deliberate-bench-tiny").resolve("tiny");
        TinyCheckpoint.write(dir, TinyCheckpoint.CORPUS, new TinyCheckpoint.Shape(256, 4, 1024), 1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var files = Files.walk(dir.getParent())) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temporary folder left behind is harmless
            }
        }));
        return dir;
    }

    /**
     * The engine's Vector API kernels run orders of magnitude slower until C2 has compiled them, for every batch
     * shape; without this the first cells measure the JIT, not the server.
     */
    private void warmUp(LocalChatModel local) {
        var batch = new ArrayList<ChatRequest>();
        for (int i = 0; i < maxBatch; i++) batch.add(new ChatRequest(List.of(Message.user("warm-up " + i)), SamplingParams.greedy(maxTokens)));
        for (int round = 0; round < 6; round++) {
            local.chatBatch(batch);
            local.chatBatch(batch.subList(0, Math.min(8, batch.size())));
            for (ChatRequest r : batch.subList(0, Math.min(4, batch.size()))) local.chat(r.messages(), r.params());
        }
    }

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
                ref = model.equals("tiny") && !Files.exists(Path.of("tiny")) ? new ModelRef.Local(tinyCheckpoint()) : ModelRef.parse(model);
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
            if (chat instanceof LocalChatModel local) warmUp(local);
            var rows = ServerBench.run(chat, factory, new ServerBench.Config(clients, perClient, maxTokens, maxBatch, repeats), out);
            out.println();
            out.println("speed-up over sequential service (the reference):");
            ServerBench.speedups(rows).forEach(out::println);
        }
        out.flush();
        return 0;
    }
}
