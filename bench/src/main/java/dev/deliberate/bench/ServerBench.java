package dev.deliberate.bench;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.OpenAiChatModel;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.llm.StepwiseChatModel;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Throughput of the OpenAI-compatible server with 1, 8 and 32 concurrent clients, each sending requests one after
 * another over real loopback HTTP. Every setting runs under each {@link Mode}: sequential service (one request at
 * a time, the reference), whole-batch service, and — for a model that decodes step by step — continuous
 * batching; the ratio of request rates to the sequential one is the speed-up batching buys. Each cell is the
 * median of {@code repeats} runs. The server is passed in, since bench sits below the cli module.
 */
public final class ServerBench {
    private ServerBench() {}

    /** A running server; {@code close} stops it. */
    public interface Served extends AutoCloseable {
        URI baseUrl();

        String modelName();

        @Override
        void close();
    }

    /** How the server shares the model among waiting requests. */
    public enum Mode {
        /** one request at a time: the reference */
        SEQUENTIAL,
        /** whatever waits joins the next whole batch */
        BATCHED,
        /** free slots take waiting sequences between decode steps; only for a {@link StepwiseChatModel} */
        CONTINUOUS;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Starts a loopback server in front of {@code model} serving in {@code mode}, up to {@code maxBatch} sequences together. */
    @FunctionalInterface
    public interface ServerFactory {
        Served start(ChatModel model, Mode mode, int maxBatch) throws Exception;
    }

    /**
     * @param clients           concurrent client counts to measure
     * @param requestsPerClient requests each client sends, one after another
     * @param maxTokens         max_tokens of each request
     * @param maxBatch          the batched server's batch bound
     * @param repeats           runs per cell; the median is reported
     */
    public record Config(List<Integer> clients, int requestsPerClient, int maxTokens, int maxBatch, int repeats) {
        public static final Config DEFAULT = new Config(List.of(1, 8, 32), 4, 32, 32, 3);
    }

    public record Row(String mode, int clients, int requests, double requestsPerSecond, double tokensPerSecond, double p50Ms, double p99Ms) {}

    public static List<Row> run(ChatModel model, ServerFactory factory, Config config, PrintWriter log) throws Exception {
        var rows = new ArrayList<Row>();
        for (int clients : config.clients()) {
            for (Mode mode : Mode.values()) {
                if (mode == Mode.CONTINUOUS && !(model instanceof StepwiseChatModel)) continue;
                int maxBatch = mode == Mode.SEQUENTIAL ? 1 : config.maxBatch();
                var runs = new ArrayList<Row>();
                try (Served served = factory.start(model, mode, maxBatch)) {
                    once(served, clients, Math.max(1, config.requestsPerClient() / 2), config.maxTokens(), mode); // warm-up
                    for (int r = 0; r < config.repeats(); r++) runs.add(once(served, clients, config.requestsPerClient(), config.maxTokens(), mode));
                }
                Row median = median(runs);
                rows.add(median);
                log.println(format(median));
                log.flush();
            }
        }
        return rows;
    }

    private static Row once(Served served, int clients, int perClient, int maxTokens, Mode mode) throws Exception {
        var opts = OpenAiChatModel.Options.of(served.baseUrl(), served.modelName())
                .withMaxConcurrency(clients).withMaxRetries(0).withRequestTimeout(Duration.ofMinutes(5));
        try (var client = new OpenAiChatModel(opts); var pool = Executors.newFixedThreadPool(clients)) {
            var futures = new ArrayList<Future<long[]>>();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int id = c;
                futures.add(pool.submit(() -> {
                    long[] out = new long[perClient * 2]; // latency ns, tokens
                    for (int i = 0; i < perClient; i++) {
                        long s = System.nanoTime();
                        List<Completion> got = client.chat(List.of(Message.user("client " + id + " request " + i)), SamplingParams.greedy(maxTokens));
                        out[2 * i] = System.nanoTime() - s;
                        out[2 * i + 1] = Math.max(0, got.getFirst().usage().completionTokens());
                    }
                    return out;
                }));
            }
            var latencies = new long[clients * perClient];
            long tokens = 0;
            int k = 0;
            for (var f : futures) {
                long[] r = f.get();
                for (int i = 0; i < perClient; i++) {
                    latencies[k++] = r[2 * i];
                    tokens += r[2 * i + 1];
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Arrays.sort(latencies);
            return new Row(mode.label(), clients, latencies.length, latencies.length / seconds, tokens / seconds,
                    percentile(latencies, 0.50) / 1e6, percentile(latencies, 0.99) / 1e6);
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The run with the median request rate, so a row's figures all come from one run. */
    static Row median(List<Row> runs) {
        var sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.requestsPerSecond(), b.requestsPerSecond()));
        return sorted.get(sorted.size() / 2);
    }

    public static String header() {
        return String.format(Locale.ROOT, "%-11s %7s %8s %9s %10s %9s %9s", "mode", "clients", "requests", "req/s", "tok/s", "p50 ms", "p99 ms");
    }

    public static String format(Row r) {
        return String.format(Locale.ROOT, "%-11s %7d %8d %9.1f %10.0f %9.1f %9.1f", r.mode(), r.clients(), r.requests(), r.requestsPerSecond(), r.tokensPerSecond(), r.p50Ms(), r.p99Ms());
    }

    /** One line per client count and batching mode: its req/s over sequential req/s. */
    public static List<String> speedups(List<Row> rows) {
        var out = new ArrayList<String>();
        for (Row b : rows) {
            if (b.mode().equals(Mode.SEQUENTIAL.label())) continue;
            for (Row s : rows)
                if (s.mode().equals(Mode.SEQUENTIAL.label()) && s.clients() == b.clients())
                    out.add(String.format(Locale.ROOT, "%2d clients: %s %.1f req/s vs sequential %.1f req/s = x%.2f", b.clients(), b.mode(), b.requestsPerSecond(),
                            s.requestsPerSecond(), b.requestsPerSecond() / s.requestsPerSecond()));
        }
        return out;
    }
}
