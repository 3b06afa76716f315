package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;
import dev.deliberate.align.reward.RewardService;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.ScriptedTeacher;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.cli.serve.OpenAiServer;
import dev.deliberate.cli.serve.RewardHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

@Command(name = "reward", mixinStandardHelpOptions = true,
        description = {"Load-test the reward endpoint on loopback: a server with --judge starts in this process, --clients clients send",
                "--requests OpenRLHF-shaped /get_reward requests (SpecWorld prompts with scripted-teacher responses, every distinct request",
                "sent several times), retrying each 429 after a pause. Reports throughput, p50/p99 latency, the 429s, and checks that",
                "every request got exactly one answer whose rewards equal the judge's own verdicts, identical for identical requests."})
final class BenchRewardCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Option(names = "--judge", defaultValue = "world:judge", paramLabel = "REF", description = "The judge (default: ${DEFAULT-VALUE}).")
    String judgeRef;

    @Option(names = "--requests", defaultValue = "2000", paramLabel = "N", description = "Requests in all (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--clients", defaultValue = "32", paramLabel = "N", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N", description = "Items per request (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--distinct", defaultValue = "500", paramLabel = "N", description = "Distinct requests; the rest repeat them (default: ${DEFAULT-VALUE}).")
    int distinct;

    @Option(names = "--max-concurrency", defaultValue = "4", paramLabel = "N", description = "The server's judge calls in flight (default: ${DEFAULT-VALUE}).")
    int maxConcurrency;

    @Option(names = "--max-queue", defaultValue = "8", paramLabel = "N", description = "The server's waiting requests; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Override
    public Integer call() throws Exception {
        Spec spec = Spec.defaultSpec();
        Judge judge = Judges.open(judgeRef, spec, ChatModels.OpenOptions.defaults());
        List<LabelledPrompt> test = SpecWorld.builtin().generate(SpecWorld.Config.defaults(1)).test();
        var teacher = ScriptedTeacher.builtin(ScriptedTeacher.Knobs.CLEAN.withErrorRate(0.4).withDrift(0.3));
        // the distinct request bodies and the rewards the judge itself gives them
        List<String> bodies = new ArrayList<>();
        List<double[]> expected = new ArrayList<>();
        for (int d = 0; d < distinct; d++) {
            ObjectNode body = Jsonl.MAPPER.createObjectNode();
            ArrayNode q = body.putArray("query"), p = body.putArray("prompts"), l = body.putArray("labels");
            double[] want = new double[batch];
            for (int b = 0; b < batch; b++) {
                LabelledPrompt item = test.get((d * batch + b) % test.size());
                var c = teacher.chat(List.of(Message.user(item.prompt())), SamplingParams.sample(0.7, 512, 1, d)).getFirst();
                String prompt = "<|im_start|>user\n" + item.prompt() + "<|im_end|>\n<|im_start|>assistant\n";
                q.add(prompt + "<think>\n" + c.reasoning() + "\n</think>\n\n" + c.answer() + "<|im_end|>");
                p.add(prompt);
                l.add(Jsonl.MAPPER.writeValueAsString(item));
                want[b] = judge.judge(item, new dev.deliberate.align.llm.Completion("", c.answer(), "stop", null), dev.deliberate.align.judge.Visibility.ANSWER_ONLY).score();
            }
            bodies.add(body.toString());
            expected.add(want);
        }
        var service = new RewardService(judge, RewardService.Options.DEFAULT.withLimits(maxConcurrency, maxQueue));
        var server = new OpenAiServer("bench-reward", null, OpenAiServer.Options.loopback(0).withHttpLimits(
                new dev.deliberate.cli.serve.Http1Server.Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(15), clients * 4 + 16,
                        dev.deliberate.cli.serve.Http1Server.Limits.DEFAULT.maxHeaderBytes())), new RewardHandler(service).routes());
        URI url = URI.create("http://127.0.0.1:" + server.port() + "/get_reward");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        AtomicInteger next = new AtomicInteger(), tooMany = new AtomicInteger(), wrong = new AtomicInteger(), errors = new AtomicInteger();
        long[] latency = new long[requests];
        var answered = new ConcurrentHashMap<Integer, Integer>();
        var firstRewards = new ConcurrentHashMap<Integer, String>();
        AtomicLong mismatch = new AtomicLong();
        long t0 = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++)
                pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        int d = i % distinct;
                        long start = System.nanoTime();
                        while (true) {
                            HttpResponse<String> r;
                            try {
                                r = http.send(HttpRequest.newBuilder(url).header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                                        .POST(HttpRequest.BodyPublishers.ofString(bodies.get(d))).build(), HttpResponse.BodyHandlers.ofString());
                            } catch (Exception e) {
                                errors.incrementAndGet();
                                break;
                            }
                            if (r.statusCode() == 429) {
                                tooMany.incrementAndGet();
                                try {
                                    Thread.sleep(5);
                                } catch (InterruptedException e) {
                                    return;
                                }
                                continue;
                            }
                            latency[i] = System.nanoTime() - start;
                            answered.merge(i, 1, Integer::sum);
                            if (r.statusCode() != 200) {
                                errors.incrementAndGet();
                                break;
                            }
                            try {
                                JsonNode rewards = Jsonl.MAPPER.readTree(r.body()).get("rewards");
                                double[] want = expected.get(d);
                                boolean ok = rewards.size() == want.length;
                                for (int b = 0; ok && b < want.length; b++) ok = rewards.get(b).asDouble() == want[b];
                                if (!ok) wrong.incrementAndGet();
                                String prev = firstRewards.putIfAbsent(d, rewards.toString());
                                if (prev != null && !prev.equals(rewards.toString())) mismatch.incrementAndGet();
                            } catch (Exception e) {
                                wrong.incrementAndGet();
                            }
                            break;
                        }
                    }
                });
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        server.stop(Duration.ofSeconds(2));
        service.close();
        long duplicated = answered.values().stream().filter(n -> n > 1).count();
        long lost = requests - answered.size();
        double[] ms = Arrays.stream(latency).filter(x -> x > 0).mapToDouble(x -> x / 1e6).sorted().toArray();
        var o = cmd.commandLine().getOut();
        o.printf(Locale.ROOT, "reward endpoint, judge %s, %d requests x %d items from %d clients (%d distinct), server --max-concurrency %d --max-queue %d, on %d cores%n",
                judge.id(), requests, batch, clients, distinct, maxConcurrency, maxQueue, Runtime.getRuntime().availableProcessors());
        o.printf(Locale.ROOT, "throughput %.0f requests/s (%.0f items/s) over %.2f s; latency p50 %.2f ms, p99 %.2f ms (429 retries included)%n",
                requests / seconds, requests * (double) batch / seconds, seconds, pct(ms, 0.5), pct(ms, 0.99));
        o.printf(Locale.ROOT, "429 answers: %d; judge calls %d, cache hits %d; lost %d, duplicated %d, errors %d, rewards differing from the judge's %d, identical requests with differing rewards %d%n",
                tooMany.get(), service.judgeCalls(), service.cacheHits(), lost, duplicated, errors.get(), wrong.get(), mismatch.get());
        o.flush();
        return lost == 0 && duplicated == 0 && errors.get() == 0 && wrong.get() == 0 && mismatch.get() == 0 ? 0 : 1;
    }

    private static double pct(double[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : dev.deliberate.align.eval.metrics.Bootstrap.quantile(sorted, p);
    }
}
