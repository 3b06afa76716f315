package dev.deliberate.cli;

import dev.deliberate.align.demo.ComparisonTable;
import dev.deliberate.align.demo.DemoMethod;
import dev.deliberate.align.demo.DemoPreset;
import dev.deliberate.align.training.SpecWorldCorpus;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The main job as the commands a user would type: named stages, each a list of {@code deliberate} command lines with
 * the preset's sizes as named flags. {@code deliberate demo} runs these very commands in-process; {@code --print-commands}
 * prints them, and run by hand in that order they make the same datasets and weights (a test compares them).
 *
 * <p>Stages: (1) SpecWorld prompts, the base model's corpus and validation sets, the teacher's judged datasets and the
 * baselines' CoT-free copies; (2) a BPE tokenizer; (3) the base model from scratch, a helpful-only assistant; (4–9) five branches —
 * (b) direct-refusal SFT, (c) (b) + answer-only DPO, (d) Deliberative Alignment (CoT SFT, then judge-reward RL on the
 * answer only), (e) SaRO (reasoning warmup, then SRPO), each SFT stage replaying some of the base's general practice;
 * (10) evaluation of every method on held-out SpecWorld prompts
 * under no attack, seen and held-out attack families, and the base model's decoding check; (11) the report.
 */
record DemoRecipe(DemoPreset preset, long seed, int seeds, Path out, List<Stage> stages) {

    /** The teacher of every generator: SpecWorld's, with a realistic error rate and verbosity, so the judge has work. */
    static final String TEACHER = "world:teacher?error=0.25&verbosity=0.5";
    /** The teacher's token budget per sample, reasoning included (the generators' default). */
    static final int TEACHER_MAX_TOKENS = 2048;
    /** The judge's minimum score of a kept sample. */
    static final double THRESHOLD = 0.9;
    /** Shares of the safety mix: general tasks mixed in, safety prompts wrapped in a seen attack family. */
    static final double GENERAL_FRACTION = 0.2, ATTACK_FRACTION = 0.2;
    /** GRPO's KL weight and clip. */
    static final double KL_BETA = 0.04, CLIP = 0.2;
    /** SaRO's PP-COT pairs whose rejected side reflects late, and the share of prompts held out for DPO's metrics. */
    static final double LATE_REFLECTION = 0.25, PREF_VAL_FRACTION = 0.1;
    /**
     * Each test prompt plain, and each harmful prompt and look-alike under one seen and one held-out family drawn for it:
     * the evidence spread over every prompt of the split rather than twelve families of a few.
     */
    static final String ATTACKS = "none,seen:1,held-out:1";
    /** Concurrent evaluation calls (a local checkpoint decodes them as one batch). */
    static final int EVAL_THREADS = 32;

    /**
     * One command line, and the file whose presence says it finished (null: always run).
     *
     * @param args the arguments after {@code deliberate}
     */
    record Step(List<String> args, Path done) {
        boolean finished() {
            return done != null && Files.exists(done);
        }

        /** The line as typed in a POSIX shell. */
        String shell() {
            var sb = new StringBuilder("bin/deliberate");
            for (String a : args) sb.append(' ').append(quote(a));
            return sb.toString();
        }
    }

    /** @param weight the stage's share of the run's time as measured on the presets: the overall ETA's basis */
    record Stage(String title, double weight, List<Step> steps) {
        boolean finished() {
            return steps.stream().allMatch(Step::finished);
        }
    }

    /** The whole comparison for seeds {@code seed … seed+seeds-1} (folders: {@link ComparisonTable#seedFolder}), then one report. */
    static DemoRecipe of(DemoPreset p, long seed, int seeds, Path out) {
        var all = new ArrayList<Stage>();
        for (int i = 0; i < seeds; i++) {
            var r = new Builder(p, seed + i, ComparisonTable.seedFolder(out, i, seed + i), seeds > 1 ? "seed " + (seed + i) + " · " : "");
            r.comparison();
            all.addAll(r.stages);
        }
        var r = new Builder(p, seed, out, "");
        var report = new ArrayList<Object>(List.of("report"));
        for (DemoMethod m : DemoMethod.values()) report.add(r.dir("eval/" + m.label));
        for (DemoMethod m : DemoMethod.values()) if (m.run != null && !report.contains(r.dir(m.run))) report.add(r.dir(m.run));
        report.addAll(List.of("--demo", out, "--out", r.dir(DemoCommand.REPORT)));
        r.stage("Report: " + DemoCommand.REPORT + (seeds > 1 ? " (the table pooled over " + seeds + " seeds, the rest from seed " + seed + ")" : ""),
                0.05, r.cmd(null, report.toArray()));
        all.addAll(r.stages);
        return new DemoRecipe(p, seed, seeds, out, List.copyOf(all));
    }

    /** The folders of every seed's run, first seed first. */
    List<Path> seedFolders() {
        var out = new ArrayList<Path>();
        for (int i = 0; i < seeds; i++) out.add(ComparisonTable.seedFolder(this.out, i, seed + i));
        return out;
    }

    /** The whole recipe as a shell script: stage titles as comments, one command a line. */
    String script() {
        var sb = new StringBuilder();
        sb.append("# deliberate demo --preset ").append(preset.name()).append(" --seed ").append(seed).append(" --seeds ").append(seeds)
                .append(" --out ").append(quote(out.toString()))
                .append(", as the commands it runs (in this order; each resumes where it stopped)\n");
        for (int i = 0; i < stages.size(); i++) {
            sb.append("\n# [").append(i + 1).append('/').append(stages.size()).append("] ").append(stages.get(i).title()).append('\n');
            for (Step s : stages.get(i).steps()) sb.append(s.shell()).append('\n');
        }
        return sb.toString();
    }

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,+@%-]+");

    static String quote(String a) {
        return PLAIN.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'";
    }

    /** A number as typed: 0.003, 5e-05 as 0.00005, 1.0 as 1. */
    static String num(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static final class Builder {
        final DemoPreset p;
        final long seed;
        final Path out;
        final String prefix;
        final List<Stage> stages = new ArrayList<>();

        Builder(DemoPreset p, long seed, Path out, String prefix) {
            this.p = p;
            this.seed = seed;
            this.out = out;
            this.prefix = prefix;
        }

        Path dir(String rel) {
            return out.resolve(rel);
        }

        void stage(String title, double weight, Step... steps) {
            stages.add(new Stage(prefix + title, weight, List.of(steps)));
        }

        Step cmd(Path done, Object... args) {
            var a = new ArrayList<String>();
            for (Object o : args) a.add(o instanceof Double d ? num(d) : o.toString());
            return new Step(List.copyOf(a), done);
        }

        /** One seed's whole comparison: data, tokenizer, base model, the five branches, evaluation. */
        void comparison() {
            data();
            stage("Tokenizer: byte-level BPE on SpecWorld text", 0.05, cmd(dir("tokenizer/tokenizer_config.json"), "train", "tokenizer",
                    "--corpus", String.join(",", dir("data/world/train.jsonl").toString(), dir("data/general/sft.jsonl").toString(),
                            dir("data/deliberative/sft.jsonl").toString(), dir("data/saro-rw/sft.jsonl").toString(),
                            dir("data/corpus/documents.jsonl").toString(), dir("data/corpus/chat.jsonl").toString(),
                            dir("data/corpus/" + SpecWorldCorpus.HELPFUL).toString(), dir("data/corpus/" + SpecWorldCorpus.PRACTICE_GENERAL).toString()),
                    "--vocab", p.vocab(), "--out", dir("tokenizer")));
            stage("Base model: pretraining from scratch on the SpecWorld corpus, general tasks and helpful-only exchanges", 3, train("sft", "base", null,
                    List.of("--init", "hidden=" + p.hidden() + ",intermediate=" + p.intermediate() + ",layers=" + p.layers() + ",heads=" + p.heads()
                                    + ",context=" + p.maxSeq() + ",tied=true", "--tokenizer", dir("tokenizer").toString(),
                            "--data", dir("data/general/sft.jsonl") + "," + dir("data/corpus/chat.jsonl") + "," + dir("data/corpus/" + SpecWorldCorpus.HELPFUL)
                                    + (p.generalPractice() > 0 ? "," + dir("data/corpus/" + SpecWorldCorpus.PRACTICE_GENERAL) : ""),
                            "--documents", dir("data/corpus/documents.jsonl").toString(), "--val", dir("data/corpus/val-general.jsonl").toString()),
                    p.baseSteps(), p.batch(), p.baseLr()));
            stage("(b) Direct-refusal SFT (answers only)", 0.85, sft("direct-sft", "data/direct-refusal/sft.jsonl", "val-answer.jsonl",
                    SpecWorldCorpus.REPLAY_GENERAL_ANSWER));
            stage("(c) Answer-only DPO on top of (b)", 0.4, dpo("direct-dpo", "direct-sft", "data/answer-dpo"));
            stage("(d) SFT (Deliberative Alignment): prompt → CoT + answer, spec stripped", 2.4, sft("da-sft", "data/deliberative/sft.jsonl", "val-cot.jsonl", SpecWorldCorpus.REPLAY_GENERAL));
            int promptsPerStep = Math.max(1, p.batch() / p.rlGroup());
            stage("(d) RL (Deliberative Alignment): judge reward on the answer only", 1, train("rl", "deliberative", "da-sft",
                    List.of("--prompts", dir("data/deliberative/" + GenerateRun.PROMPTS).toString(), "--judge", "world:judge",
                            "--group", "" + p.rlGroup(), "--kl-beta", num(KL_BETA), "--clip", num(CLIP), "--temperature", "1",
                            "--max-new-tokens", "" + p.evalMaxTokens()), p.prefSteps(), promptsPerStep, p.prefLr()));
            stage("(e) SaRO reasoning warmup (shortest rejection sampling)", 2.2, sft("saro-rw", "data/saro-rw/sft.jsonl", "val-cot.jsonl", SpecWorldCorpus.REPLAY_GENERAL));
            stage("(e) SaRO SRPO: DPO on OP-COT + PP-COT", 1.6, dpo("saro", "saro-rw", "data/saro-prefs"));
            evaluation();
        }

        /** SpecWorld, the corpus, four judged datasets from the teacher, and the baselines' copies without CoT. */
        void data() {
            String world = dir("data/world").toString(), train = dir("data/world/train.jsonl").toString();
            var steps = new ArrayList<Step>();
            steps.add(cmd(dir("data/world/world.json"), "world", "generate", "--out", world, "--seed", seed, "--per-cell", p.perCell(),
                    "--general-per-kind", p.generalPerKind(), "--test-fraction", 0.25));
            steps.add(cmd(dir("data/corpus/summary.json"), "world", "corpus", "--out", dir("data/corpus"), "--world", world, "--seed", seed,
                    "--practice", p.practicePerTransformation(), "--general-practice", p.generalPractice(), "--general-replay", p.generalReplay(),
                    "--val-prompts", p.valPrompts()));
            steps.add(generate("deliberative", "general", train, "--only", "general"));
            steps.add(generate("deliberative", "deliberative", train, "--general-fraction", GENERAL_FRACTION, "--attack-fraction", ATTACK_FRACTION,
                    "--limit", p.safetyPrompts()));
            steps.add(generate("saro-rw", "saro-rw", train, "--general-fraction", GENERAL_FRACTION, "--attack-fraction", ATTACK_FRACTION,
                    "--limit", p.safetyPrompts()));
            steps.add(generate("saro-prefs", "saro-prefs", train, "--general-fraction", 0.0, "--attack-fraction", ATTACK_FRACTION,
                    "--limit", p.safetyPrompts(), "--levels", "output,process", "--late-reflection", LATE_REFLECTION, "--val-fraction", PREF_VAL_FRACTION));
            steps.add(cmd(dir("data/direct-refusal/summary.json"), "generate", "answer-only", "--from", dir("data/deliberative"), "--out", dir("data/direct-refusal")));
            steps.add(cmd(dir("data/answer-dpo/summary.json"), "generate", "answer-only", "--from", dir("data/saro-prefs"), "--out", dir("data/answer-dpo")));
            stage("Data: SpecWorld prompts, teacher CoTs, judged datasets", 0.15, steps.toArray(Step[]::new));
        }

        Step generate(String generator, String name, String prompts, Object... more) {
            var a = new ArrayList<Object>(List.of("generate", generator, "--out", dir("data/" + name), "--prompts", prompts, "--teacher", TEACHER,
                    "--k", p.k(), "--threshold", THRESHOLD, "--max-tokens", TEACHER_MAX_TOKENS, "--seed", seed, "--threads", 2, "--no-cache"));
            a.addAll(List.of(more));
            return cmd(dir("data/" + name + "/summary.json"), a.toArray());
        }

        /** The same loop for every stage of a kind: steps, batch, learning rate, warmup and cosine, evals, saves. */
        Step train(String kind, String name, String from, List<String> inputs, int steps, int batch, double lr) {
            var a = new ArrayList<Object>(List.of("train", kind));
            if (from != null) a.addAll(List.of("--model", dir(from + "/checkpoint")));
            a.addAll(inputs);
            a.addAll(List.of("--out", dir(name), "--max-steps", steps, "--batch", batch, "--micro-batch", Math.max(1, batch / 2), "--lr", lr,
                    "--warmup-ratio", 0.1, "--min-lr-ratio", 0.1, "--weight-decay", 0.0, "--max-grad-norm", 1.0, "--seed", seed,
                    "--eval-every", Math.max(1, steps / 5), "--save-every", Math.max(10, steps / 4), "--max-seq-len", p.maxSeq()));
            return cmd(dir(name + "/summary.json"), a.toArray());
        }

        /** A safety SFT stage from the base: its data, then the general practice it replays (in the stage's format). */
        Step sft(String name, String data, String val, String replay) {
            String all = dir(data) + (p.generalReplay() > 0 ? "," + dir("data/corpus/" + replay) : "");
            return train("sft", name, "base", List.of("--data", all, "--val", dir("data/corpus/" + val).toString()),
                    p.sftSteps(), p.batch(), p.lr());
        }

        Step dpo(String name, String from, String data) {
            return train("dpo", name, from, List.of("--data", dir(data + "/prefs.jsonl").toString(), "--val", dir(data + "/prefs.val.jsonl").toString(),
                    "--beta", num(p.dpoBeta())), p.prefSteps(), p.batch(), p.prefLr());
        }

        /**
         * Every method on held-out test prompts (no attack, seen and held-out families) and, with no attack, on train-split
         * prompts (the memorisation gap); the teacher on the test prompts with the spec in context (the ceiling); the
         * base model's decoding check.
         */
        void evaluation() {
            var steps = new ArrayList<Step>();
            for (DemoMethod m : DemoMethod.values())
                steps.add(eval(m, "eval/" + m.label, "specworld-test", ATTACKS, p.evalPrompts()));
            for (DemoMethod m : DemoMethod.values())
                if (m.run != null) steps.add(eval(m, ComparisonTable.TRAIN_SPLIT + "/" + m.label, "specworld-train", "none", p.valPrompts()));
            steps.add(cmd(dir("eval/decoding.json"), "world", "decoding-check", "--model", dir(DemoMethod.NONE.run + "/checkpoint"),
                    "--checks", p.decodingChecks(), "--seed", seed + 1, "--out", dir("eval/decoding.json")));
            stage("Evaluate the five students (and two first stages) on held-out SpecWorld prompts", 2.9, steps.toArray(Step[]::new));
        }

        Step eval(DemoMethod m, String folder, String bench, String attacks, int limit) {
            var a = new ArrayList<Object>(List.of("eval", "--model", m.run == null ? TEACHER : dir(m.run + "/checkpoint"), "--label", m.label));
            if (m.run == null) a.addAll(List.of("--spec-in-context", "excerpt", "--no-cache"));
            // the teacher answers within the generators' budget, the students within the evaluation cap
            a.addAll(List.of("--bench", bench, "--world", dir("data/world"), "--attacks", attacks, "--limit", limit, "--temperature", 0.0,
                    "--max-tokens", m.run == null ? TEACHER_MAX_TOKENS : p.evalMaxTokens(), "--seed", seed, "--threads", EVAL_THREADS, "--out", dir(folder)));
            return cmd(dir(folder + "/summary.json"), a.toArray());
        }
    }
}
