package dev.deliberate.cli;

import dev.deliberate.bench.PoolBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "pool", mixinStandardHelpOptions = true,
        description = "Endpoint-pool throughput (calls/s) against fake endpoints on loopback: 1 and 4 servers, and 4 with one failing half its calls, beside the ideal concurrency/latency.")
final class BenchPoolCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--latency-ms", defaultValue = "100", description = "Time each fake call takes (default: ${DEFAULT-VALUE}).")
    int latencyMs;

    @Option(names = "--per-endpoint", defaultValue = "32", description = "Calls each fake endpoint serves at once, and the pool's limit per endpoint (default: ${DEFAULT-VALUE}).")
    int perEndpoint;

    @Option(names = "--calls-per-slot", defaultValue = "20", description = "Calls per run = endpoints x per-endpoint x this (default: ${DEFAULT-VALUE}).")
    int callsPerSlot;

    @Option(names = "--runs", defaultValue = "3", description = "Timed runs per row; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Override
    public Integer call() {
        if (latencyMs < 1 || perEndpoint < 1 || callsPerSlot < 1 || runs < 1) throw new UserError("--latency-ms, --per-endpoint, --calls-per-slot and --runs must be >= 1");
        var rows = PoolBench.run(Duration.ofMillis(latencyMs), perEndpoint, callsPerSlot, runs, spec.commandLine().getOut());
        for (var r : rows)
            if (r.answered() != r.calls()) {
                spec.commandLine().getErr().println("deliberate bench pool: " + r.name() + ": " + r.answered() + " of " + r.calls() + " calls answered");
                return 1;
            }
        return 0;
    }
}
