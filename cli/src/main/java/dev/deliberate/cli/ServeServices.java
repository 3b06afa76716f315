package dev.deliberate.cli;

import dev.deliberate.align.guard.PolicyGuard;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.judge.Visibility;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.reward.RewardService;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.cli.serve.ModerationsHandler;
import dev.deliberate.cli.serve.OpenAiServer;
import dev.deliberate.cli.serve.RewardHandler;
import dev.deliberate.cli.serve.Scheduler;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The spec as a service on {@code deliberate serve}: {@code --guard} (/v1/moderations) and {@code --reward} (/get_reward, /v1/rewards). */
final class ServeServices implements AutoCloseable {
    @Option(names = "--guard", description = "Also answer OpenAI's moderation API (POST /v1/moderations) with --model as the policy reasoner over --spec "
            + "(world:judge = SpecWorld's scripted, label-blind reasoner).")
    boolean guard;

    @Option(names = "--reward", description = "Serve --judge as a reward model: OpenRLHF's POST /get_reward and POST /v1/rewards for TRL reward functions (--model optional).")
    boolean reward;

    @Option(names = "--spec", paramLabel = "FILE", description = "The spec the guard and the judge read (default: SpecWorld's built-in spec).")
    Path specFile;

    @Option(names = "--judge", paramLabel = "REF", defaultValue = "world:judge", description = "With --reward: the judge, world:judge or any model reference (a spec-aware LLM judge) (default: ${DEFAULT-VALUE}).")
    String judge;

    @Option(names = "--visibility", paramLabel = "answer-only|full", defaultValue = "answer-only",
            description = "With --reward: what the judge reads; answer-only cuts the chain of thought off before the judge sees it (default: ${DEFAULT-VALUE}).")
    String visibility;

    @Option(names = "--reward-cache-entries", defaultValue = "100000", paramLabel = "N", description = "With --reward: verdicts kept in memory (0 = none; default: ${DEFAULT-VALUE}).")
    int cacheEntries;

    @Option(names = "--guard-samples", defaultValue = "1", paramLabel = "K", description = "With --guard: reasoner samples per input; category scores are the share that flag (default: ${DEFAULT-VALUE}).")
    int guardSamples;

    @Option(names = "--guard-spec-context", defaultValue = "full", paramLabel = "full|none",
            description = "With --guard: give the reasoner the whole spec (full), or nothing (none: a model trained on the spec) (default: ${DEFAULT-VALUE}).")
    String guardContext;

    private RewardService service;

    boolean any() {
        return guard || reward;
    }

    Spec spec() {
        if (specFile == null) return Spec.defaultSpec();
        try {
            return Spec.load(specFile);
        } catch (IOException e) {
            throw new UserError("--spec " + specFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError("--spec " + specFile + ": " + e.getMessage());
        }
    }

    PolicyGuard policyGuard(Spec spec) {
        PolicyGuard.SpecContext ctx;
        try {
            ctx = PolicyGuard.SpecContext.valueOf(guardContext.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--guard-spec-context must be full or none, got '" + guardContext + "'");
        }
        try {
            return new PolicyGuard(spec, new PolicyGuard.Options(guardSamples, PolicyGuard.Options.DEFAULT.temperature(), PolicyGuard.Options.DEFAULT.maxTokens(), ctx));
        } catch (IllegalArgumentException e) {
            throw new UserError("--guard-samples: " + e.getMessage());
        }
    }

    static Visibility visibility(String v) {
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "answer-only" -> Visibility.ANSWER_ONLY;
            case "full" -> Visibility.COT_AND_ANSWER;
            default -> throw new UserError("--visibility must be answer-only or full, got '" + v + "'");
        };
    }

    /** The extra routes; {@code scheduler} is the reasoner's (null without --guard). */
    List<OpenAiServer.Route> routes(Spec spec, Scheduler scheduler, String name, ChatModels.OpenOptions options, int maxConcurrency, int maxQueue) {
        List<OpenAiServer.Route> out = new ArrayList<>();
        if (guard) out.addAll(new ModerationsHandler(policyGuard(spec), scheduler, name).routes());
        if (reward) {
            Visibility vis = visibility(visibility);
            Judge j;
            try {
                j = Judges.open(judge, spec, options);
            } catch (IllegalArgumentException e) {
                throw new UserError("--judge: " + e.getMessage());
            }
            try {
                service = new RewardService(j, new RewardService.Options(vis, maxConcurrency, maxQueue, cacheEntries, 0));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            out.addAll(new RewardHandler(service).routes());
        }
        return out;
    }

    String describe(String base) {
        var b = new StringBuilder();
        if (guard) b.append("; moderations at ").append(base).append("/moderations");
        if (reward) b.append("; rewards from ").append(service.judge().id()).append(" (").append(visibility).append(") at ")
                .append(base.replaceAll("/v1$", "")).append("/get_reward (OpenRLHF) and ").append(base).append("/rewards (TRL)");
        return b.toString();
    }

    @Override
    public void close() {
        if (service != null) {
            service.close();
            if (service.judge() instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing a judge's model frees its connections; nothing to do if that fails
                }
            }
        }
    }
}
