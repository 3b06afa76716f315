package dev.deliberate.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options every {@code generate} command shares. A run file ({@code --config}) may set any of them. */
final class GenerateOptions {
    @Option(names = "--out", paramLabel = "DIR", description = "Run folder: config.json, the dataset(s), ledger.jsonl, summary.json. Rerunning continues an interrupted run.")
    Path out;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON run file of option names and values; flags override it.")
    Path config;

    @Option(names = "--prompts", paramLabel = "FILE", description = "JSONL of labelled prompts (the SpecWorld format: id, category, intent, style, prompt…); default: SpecWorld's train split.")
    Path prompts;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Work on the first N prompts of the mix only (0 = all; for smoke runs).")
    int limit;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for SpecWorld, the prompt mix, attacks and sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--teacher", paramLabel = "REF", description = "Teacher model reference (default: a SpecWorld teacher with a realistic error rate).")
    String teacher;

    @Option(names = "--judge", paramLabel = "REF", defaultValue = "world:judge", description = "world:judge (SpecWorld's label-aware judge) or any model reference, graded as a spec-aware judge (default: ${DEFAULT-VALUE}).")
    String judge;

    @Option(names = "--judge-runs", paramLabel = "N", description = "Times each sample is judged; its score is the minimum (default: 1 for world:judge, 3 for a model judge).")
    Integer judgeRuns;

    @Option(names = "--no-judge-metadata", description = "Do not tell a model judge the labelled ideal response.")
    boolean noJudgeMetadata;

    @Option(names = "--judge-max-tokens", paramLabel = "N", defaultValue = "512", description = "Reply budget of a model judge; raise it for reasoning judges (default: ${DEFAULT-VALUE}).")
    int judgeMaxTokens;

    @Option(names = "--k", paramLabel = "K", description = "Teacher samples per prompt (default: 4 for deliberative, 8 for saro-rw and saro-prefs).")
    Integer k;

    @Option(names = "--threshold", paramLabel = "S", defaultValue = "0.9", description = "Minimum judge score (0-1) of a kept sample, which the judge must also accept (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Teacher sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--max-tokens", defaultValue = "2048", description = "Teacher token budget per sample, reasoning included (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--attack-fraction", paramLabel = "F", defaultValue = "0.2", description = "Share of safety prompts wrapped in a seen jailbreak family (default: ${DEFAULT-VALUE}).")
    double attackFraction;

    @Option(names = "--attacks", paramLabel = "LIST", defaultValue = "seen", description = "Families to draw from: seen or names of seen families; held-out families are refused (default: ${DEFAULT-VALUE}).")
    String attacks;

    @Option(names = "--general-fraction", paramLabel = "F", description = "Target share of general-task prompts in the mix (default: 0.2; saro-prefs makes pairs for safety prompts only, default 0).")
    Double generalFraction;

    @Option(names = "--only", paramLabel = "general|safety", description = "Work on one kind of prompt only: general (general tasks, none mixed or attacked: a base model's general data) or safety (no general tasks).")
    String only;

    @Option(names = "--spec", paramLabel = "FILE", description = "Safety spec (default: the built-in SpecWorld spec).")
    Path spec;

    @Option(names = "--threads", paramLabel = "N", description = "Prompts worked on at once (default: 8 for a remote teacher, else 1); output order does not depend on it.")
    Integer threads;

    @Option(names = "--engine", paramLabel = "NAME", defaultValue = "local", description = "Where prompts are worked on: local (--threads threads here) or spark (a Spark job: under spark-submit its master, else an embedded --master); the data are the same (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master for --engine spark outside spark-submit (default: local[N], N = this machine's cores).")
    String master;

    @Option(names = "--partitions", paramLabel = "N", description = "Spark tasks per job for --engine spark (default: 4 x the cluster's parallelism); --threads is then prompts at once per task.")
    Integer partitions;

    @picocli.CommandLine.Mixin
    ResponseCacheOptions cache;

    @picocli.CommandLine.Mixin
    UpstreamKeyOption upstreamKey;

    @picocli.CommandLine.Mixin
    RemoteCallOptions remote = new RemoteCallOptions();

    @Option(names = "--export-llamafactory", description = "Also write the dataset(s) as a LLaMA-Factory dataset folder in DIR/llamafactory.")
    boolean exportLlamaFactory;
}
