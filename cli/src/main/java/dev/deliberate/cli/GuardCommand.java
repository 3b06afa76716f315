package dev.deliberate.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.attack.Attack;
import dev.deliberate.align.attack.Attacks;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.eval.metrics.Bootstrap;
import dev.deliberate.align.guard.GuardEval;
import dev.deliberate.align.guard.GuardResult;
import dev.deliberate.align.guard.PolicyGuard;
import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.Intent;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.world.WorldData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

@Command(name = "guard", mixinStandardHelpOptions = true,
        description = {"The spec as a moderation guard: a policy reasoner reads content against the spec and says whether to flag it.",
                "Serve it with 'deliberate serve --guard --model REF' (POST /v1/moderations); measure it with 'deliberate guard eval'."},
        subcommands = {GuardCommand.Eval.class})
final class GuardCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: choose eval.");
    }

    @Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Run the guard over labelled content and report precision, recall and F1 per spec category, over-flagging of benign "
                    + "look-alikes and reading failures, with bootstrap 95%% intervals. Writes results.jsonl and metrics.json into --out.")
    static final class Eval implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec cmd;

        @Option(names = "--model", required = true, paramLabel = "REF", description = "The policy reasoner: world:judge (SpecWorld's scripted, label-blind reasoner), a checkpoint, http(s)://…#model, openai:MODEL.")
        String model;

        @Option(names = "--data", defaultValue = "specworld-test", paramLabel = "FILE|specworld-test",
                description = "Labelled JSONL: SpecWorld lines or {\"input\",\"flagged\",\"category\",\"lookalike\"} (default: ${DEFAULT-VALUE}, the built-in world's test split).")
        String data;

        @Option(names = "--world", paramLabel = "DIR", description = "With specworld-test: DIR/test.jsonl of 'deliberate world generate' (default: the built-in world of --seed).")
        Path worldDir;

        @Option(names = "--attacks", defaultValue = "none", paramLabel = "LIST", description = "With SpecWorld data: also run harmful items under these attack families (none, seen, held-out, all, names) (default: ${DEFAULT-VALUE}).")
        String attacks;

        @Option(names = "--spec", paramLabel = "FILE", description = "The spec (default: SpecWorld's built-in spec).")
        Path specFile;

        @Option(names = "--spec-context", defaultValue = "full", paramLabel = "full|none", description = "Give the reasoner the whole spec, or nothing (a model trained on it) (default: ${DEFAULT-VALUE}).")
        String context;

        @Option(names = "--samples", defaultValue = "1", paramLabel = "K", description = "Reasoner samples per item (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--max-tokens", defaultValue = "512", paramLabel = "N", description = "Reasoner reply budget (default: ${DEFAULT-VALUE}).")
        int maxTokens;

        @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "At most N items, spread evenly; 0 = all (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "The built-in world's seed and the attack frames' (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--threads", defaultValue = "4", paramLabel = "N", description = "Items in flight at once (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--bootstrap", defaultValue = "1000", paramLabel = "N", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
        int resamples;

        @Option(names = "--out", paramLabel = "DIR", description = "Where results.jsonl and metrics.json go (default: print only).")
        Path out;

        @Option(names = "--api-key-env", paramLabel = "VAR", description = "Key for an http(s):// reasoner, from environment variable VAR.")
        String apiKeyEnv;

        @Override
        public Integer call() throws Exception {
            Spec spec;
            try {
                spec = specFile == null ? Spec.defaultSpec() : Spec.load(specFile);
            } catch (IOException | IllegalArgumentException e) {
                throw new UserError("--spec " + specFile + ": " + e.getMessage());
            }
            PolicyGuard.SpecContext ctx;
            try {
                ctx = PolicyGuard.SpecContext.valueOf(context.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UserError("--spec-context must be full or none, got '" + context + "'");
            }
            PolicyGuard guard;
            try {
                guard = new PolicyGuard(spec, new PolicyGuard.Options(samples, PolicyGuard.Options.DEFAULT.temperature(), maxTokens, ctx));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            List<GuardEval.Case> cases = cases();
            ChatModel reasoner;
            try {
                reasoner = ChatModels.open(PolicyGuard.reasonerRef(model), ChatModels.OpenOptions.defaults().withApiKeyEnv(apiKeyEnv));
            } catch (IllegalArgumentException e) {
                throw new UserError("--model: " + e.getMessage());
            }
            long t0 = System.nanoTime();
            List<GuardEval.Scored> scored = new ArrayList<>(cases.size());
            var err = cmd.commandLine().getErr();
            try (reasoner; var pool = Executors.newFixedThreadPool(Math.max(1, threads), Thread.ofVirtual().factory());
                 var bar = Progress.start(err, "guard", cases.size(), "items")) {
                List<Future<GuardResult>> fs = new ArrayList<>();
                for (GuardEval.Case c : cases)
                    fs.add(pool.submit(() -> {
                        GuardResult r = guard.classify(reasoner, c.input());
                        bar.step();
                        return r;
                    }));
                for (int i = 0; i < cases.size(); i++) {
                    try {
                        scored.add(new GuardEval.Scored(cases.get(i), fs.get(i).get()));
                    } catch (ExecutionException e) {
                        throw new UserError("the reasoner failed on item " + cases.get(i).id() + ": " + e.getCause().getMessage());
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            ObjectNode metrics = GuardEval.metrics(scored, guard.categoryIds(), new Bootstrap(resamples, Bootstrap.DEFAULT.seed(), 0.95));
            metrics.put("reasoner", reasoner.id()).put("data", data).put("attacks", attacks).put("spec", spec.hash()).put("seconds", Math.round(seconds * 10) / 10.0);
            if (out != null) {
                Files.createDirectories(out);
                List<ObjectNode> lines = new ArrayList<>();
                for (GuardEval.Scored s : scored) {
                    ObjectNode o = Jsonl.MAPPER.createObjectNode();
                    o.put("id", s.c().id()).put("input", s.c().input()).put("expected_flag", s.c().flag());
                    if (s.c().category() != null) o.put("expected_category", s.c().category());
                    o.put("lookalike", s.c().lookalike());
                    o.set("result", Jsonl.MAPPER.valueToTree(s.result()));
                    lines.add(o);
                }
                Jsonl.write(out.resolve("results.jsonl"), lines);
                AtomicFiles.writeString(out.resolve("metrics.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(metrics) + "\n");
            }
            var o = cmd.commandLine().getOut();
            o.println("guard " + reasoner.id() + " on " + data + " (" + cases.size() + " items, " + String.format(Locale.ROOT, "%.1f s", seconds) + ")");
            o.print(GuardEval.table(metrics));
            if (out != null) o.println("wrote " + out.resolve("results.jsonl") + " and " + out.resolve("metrics.json"));
            o.flush();
            return 0;
        }

        private List<GuardEval.Case> cases() throws IOException {
            List<GuardEval.Case> out = new ArrayList<>();
            if (data.strip().equalsIgnoreCase("specworld-test")) {
                List<LabelledPrompt> test = worldDir != null ? WorldData.read(worldDir, SpecWorld.TEST)
                        : SpecWorld.builtin().generate(SpecWorld.Config.defaults(seed)).test();
                List<Attack> as;
                try {
                    as = Attacks.select(Attacks.builtin(), attacks);
                } catch (IllegalArgumentException e) {
                    throw new UserError("--attacks: " + e.getMessage());
                }
                boolean plain = List.of(attacks.toLowerCase(Locale.ROOT).split(",")).stream().map(String::strip).anyMatch(s -> s.equals("none") || s.equals("all"));
                for (LabelledPrompt p : spread(test, limit)) {
                    if (plain) out.add(GuardEval.of(p));
                    if (p.intent() == Intent.HARMFUL_OPERATIONAL) for (Attack a : as) out.add(GuardEval.of(p.attacked(a, seed * 0x9E3779B97F4A7C15L + p.id().hashCode())));
                }
            } else {
                Path f = Path.of(data);
                if (!Files.isRegularFile(f)) throw new UserError("--data '" + data + "' is neither specworld-test nor a file");
                try {
                    out.addAll(spread(GuardEval.read(f), limit));
                } catch (IllegalArgumentException e) {
                    throw new UserError(e.getMessage());
                }
            }
            if (out.isEmpty()) throw new UserError("no items to evaluate (check --attacks and --limit)");
            return out;
        }

        static <T> List<T> spread(List<T> xs, int limit) {
            if (limit <= 0 || limit >= xs.size()) return xs;
            List<T> out = new ArrayList<>(limit);
            for (int i = 0; i < limit; i++) out.add(xs.get((int) ((long) i * xs.size() / limit)));
            return out;
        }
    }
}
