package dev.deliberate.bench;

import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.EndpointPool;
import dev.deliberate.align.llm.EndpointSpec;
import dev.deliberate.align.llm.FakeEndpoint;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.PooledChatModel;
import dev.deliberate.align.llm.SamplingParams;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Throughput of the endpoint pool against {@link FakeEndpoint}s on loopback: each call takes {@code latency}, each
 * server serves {@code perEndpoint} calls at once, so the ideal rate of {@code n} servers is
 * {@code n × perEndpoint / latency}. All calls are issued at once through {@link PooledChatModel#chatAsync} (no thread
 * per call); the pool keeps each server at its limit. Rows: 1 server, 4 servers, and 4 servers of which one fails
 * half its calls with 503 (every call must still be answered, once). Each figure is the median of {@code runs}.
 */
public final class PoolBench {
    private PoolBench() {}

    /** One row: calls/s (median), the ideal, and what the flaky row had to absorb. */
    public record Row(String name, int endpoints, int concurrency, int calls, double callsPerSecond, double ideal, long injectedFailures,
                      long ejections, int answered) {
        public double efficiency() {
            return callsPerSecond / ideal;
        }
    }

    public static List<Row> run(Duration latency, int perEndpoint, int callsPerSlot, int runs, PrintWriter out) {
        var rows = new ArrayList<Row>();
        rows.add(measure("1 endpoint", 1, 0, latency, perEndpoint, callsPerSlot, runs));
        rows.add(measure("4 endpoints", 4, 0, latency, perEndpoint, callsPerSlot, runs));
        rows.add(measure("4 endpoints, one failing 50%", 4, 0.5, latency, perEndpoint, callsPerSlot, runs));
        out.printf(Locale.ROOT, "endpoint pool on loopback: %d ms per call, %d calls at once per endpoint, %d calls per slot per run, median of %d%n",
                latency.toMillis(), perEndpoint, callsPerSlot, runs);
        out.printf(Locale.ROOT, "%-30s %9s %7s %10s %10s %6s %9s %9s %9s%n", "setting", "in flight", "calls", "calls/s", "ideal", "eff", "answered", "503s", "ejections");
        for (Row r : rows)
            out.printf(Locale.ROOT, "%-30s %9d %7d %10.1f %10.1f %5.0f%% %9d %9d %9d%n", r.name(), r.concurrency(), r.calls(), r.callsPerSecond(), r.ideal(),
                    100 * r.efficiency(), r.answered(), r.injectedFailures(), r.ejections());
        out.flush();
        return rows;
    }

    static Row measure(String name, int n, double flakyRate, Duration latency, int perEndpoint, int callsPerSlot, int runs) {
        int calls = n * perEndpoint * callsPerSlot;
        double ideal = n * perEndpoint / (latency.toNanos() / 1e9);
        double[] rates = new double[runs];
        long failures = 0, ejections = 0;
        int answered = Integer.MAX_VALUE;
        for (int run = 0; run < runs; run++) {
            var fakes = new ArrayList<FakeEndpoint>();
            try {
                for (int i = 0; i < n; i++) {
                    var b = FakeEndpoint.Behaviour.of(latency, perEndpoint);
                    fakes.add(FakeEndpoint.start(i == n - 1 && flakyRate > 0 ? b.withErrorRate(flakyRate) : b, null));
                }
                var specs = fakes.stream().map(f -> EndpointSpec.of(f.baseUrl(), perEndpoint)).toList();
                var settings = EndpointPool.Settings.defaults().withBackoff(Duration.ofMillis(20), Duration.ofSeconds(1))
                        .withHealth(3, Duration.ofMillis(500)).withRetries(20);
                try (var m = new PooledChatModel("fake", new EndpointPool(specs, settings, null))) {
                    // warm the connections, then time
                    join(m, Math.min(calls, n * perEndpoint), -1);
                    long t0 = System.nanoTime();
                    int ok = join(m, calls, run);
                    rates[run] = calls / ((System.nanoTime() - t0) / 1e9);
                    answered = Math.min(answered, ok);
                    ejections += m.pool().stats().stream().mapToLong(EndpointPool.EndpointStats::ejections).sum();
                }
                failures += fakes.stream().mapToLong(FakeEndpoint::failed).sum();
            } finally {
                fakes.forEach(FakeEndpoint::close);
            }
        }
        Arrays.sort(rates);
        return new Row(name, n, n * perEndpoint, calls, rates[runs / 2], ideal, failures / runs, ejections / runs, answered);
    }

    private static int join(PooledChatModel m, int calls, int run) {
        var futures = new ArrayList<CompletableFuture<List<Completion>>>(calls);
        for (int i = 0; i < calls; i++)
            futures.add(m.chatAsync(List.of(Message.user("bench " + run + " " + i)), SamplingParams.sample(1, 16, 1, i)));
        int ok = 0;
        for (var f : futures) if (f.join().size() == 1) ok++;
        return ok;
    }
}
