package dev.deliberate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.io.AtomicFiles;
import dev.deliberate.align.io.Jsonl;
import dev.deliberate.align.eval.harness.EvalRunner;
import dev.deliberate.align.eval.harness.JudgePanel;
import dev.deliberate.align.eval.metrics.Bootstrap;
import dev.deliberate.align.judge.Judge;
import dev.deliberate.align.judge.Judges;
import dev.deliberate.align.llm.ChatModels;
import dev.deliberate.align.spec.Spec;
import dev.deliberate.align.prompt.LabelledPrompt;
import dev.deliberate.align.world.SpecWorld;
import dev.deliberate.align.world.WorldData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "judges", mixinStandardHelpOptions = true,
        description = {"A judge panel over an eval run: every SpecWorld response in RUN/results.jsonl graded (answer only) by each --judge.",
                "Writes RUN/judges.json and RUN/judges.jsonl, adds 'judge_panel' to RUN/metrics.json (the report shows it) and prints",
                "ASR, over-refusal and style adherence under each judge, each judge's parse-failure rate, and Cohen's kappa and",
                "percent agreement per pair. A reply a judge cannot parse is its own outcome (judge-failed), never a zero."})
final class JudgesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec cmd;

    @Parameters(index = "0", paramLabel = "RUN", description = "An eval run folder (holds results.jsonl and config.json).")
    Path run;

    @Option(names = "--judge", required = true, split = ",", paramLabel = "REF", description = "Two or more judges: world:judge or any model reference (a spec-aware LLM judge).")
    List<String> judges;

    @Option(names = "--threads", defaultValue = "4", paramLabel = "N", description = "Responses graded at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--bootstrap", defaultValue = "1000", paramLabel = "N", description = "Bootstrap resamples per interval (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--api-key-env", paramLabel = "VAR", description = "Key for http(s):// judge endpoints, from environment variable VAR.")
    String apiKeyEnv;

    @Option(names = "--no-cache", description = "Call remote judges without the response cache.")
    boolean noCache;

    @Override
    public Integer call() throws Exception {
        var options = ChatModels.OpenOptions.defaults().withApiKeyEnv(apiKeyEnv);
        if (noCache) options = options.withNoCache();
        ObjectNode summary = panel(run, judges, options, threads, new Bootstrap(resamples, Bootstrap.DEFAULT.seed(), 0.95), cmd.commandLine().getOut());
        cmd.commandLine().getOut().println("wrote " + run.resolve("judges.json") + ", " + run.resolve("judges.jsonl")
                + (Files.exists(run.resolve(EvalRunner.METRICS)) ? " and judge_panel in " + run.resolve(EvalRunner.METRICS) : ""));
        cmd.commandLine().getOut().flush();
        return summary == null ? 1 : 0;
    }

    /** Runs the panel over {@code run} and writes its files; shared with {@code eval --panel}. */
    static ObjectNode panel(Path run, List<String> refs, ChatModels.OpenOptions options, int threads, Bootstrap boot, PrintWriter out) throws IOException, InterruptedException {
        List<String> names = refs.stream().map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
        if (names.size() < 2) throw new UserError("--judge: a panel needs at least two different judges, got " + names);
        Path results = run.resolve(EvalRunner.RESULTS);
        if (!Files.isRegularFile(results)) throw new UserError(run + " has no " + EvalRunner.RESULTS + "; run 'deliberate eval --out " + run + "' first");
        JsonNode config = Files.exists(run.resolve("config.json")) ? Jsonl.MAPPER.readTree(Files.readString(run.resolve("config.json"))) : Jsonl.MAPPER.createObjectNode();
        List<LabelledPrompt> test = config.hasNonNull("world") ? WorldData.read(Path.of(config.get("world").asText()), SpecWorld.TEST)
                : SpecWorld.builtin().generate(SpecWorld.Config.defaults(config.path("seed").asLong(1))).test();
        Map<String, LabelledPrompt> byId = new LinkedHashMap<>();
        test.forEach(p -> byId.put(p.id(), p));
        List<JudgePanel.Response> responses = new ArrayList<>();
        int line = 0;
        for (JsonNode r : Jsonl.readTrees(results)) {
            line++;
            if (!"specworld-test".equals(r.path("benchmark").asText())) continue;
            LabelledPrompt base = byId.get(r.path("item").asText());
            if (base == null) throw new UserError(results + ":" + line + ": item '" + r.path("item").asText() + "' is not in the SpecWorld test split of this run's config (seed/world)");
            String attack = r.path("attack").asText(LabelledPrompt.NO_ATTACK);
            LabelledPrompt sent = attack.equals(LabelledPrompt.NO_ATTACK) ? base
                    : new LabelledPrompt(base.id() + "@" + attack, base.split(), base.category(), base.intent(), base.style(), base.rules(), base.lookalike(),
                    base.gold(), base.topic(), base.template(), r.path("prompt").asText(base.prompt()), attack, base.prompt());
            responses.add(new JudgePanel.Response(r.path("key").asText(), base.id(), sent, r.path("answer").asText(""), r.path("labels").path("prompt_type").asText(null)));
        }
        if (responses.isEmpty()) throw new UserError(results + " holds no specworld-test responses; the panel grades SpecWorld runs");
        List<Judge> js = new ArrayList<>();
        try {
            for (String n : names) js.add(Judges.open(n, Spec.defaultSpec(), options));
        } catch (IllegalArgumentException e) {
            throw new UserError("--judge: " + e.getMessage());
        }
        JudgePanel.Grade[][] grades;
        try {
            grades = JudgePanel.grade(responses, js, threads);
        } finally {
            for (Judge j : js) if (j instanceof AutoCloseable c) try {
                c.close();
            } catch (Exception ignored) {
                // a judge's model connections; nothing to keep
            }
        }
        ObjectNode summary = JudgePanel.summary(responses, js, grades, boot);
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < responses.size(); i++) {
            ObjectNode o = Jsonl.MAPPER.createObjectNode().put("key", responses.get(i).key());
            ObjectNode per = o.putObject("judges");
            for (int j = 0; j < js.size(); j++) {
                ObjectNode g = per.putObject(js.get(j).id()).put("outcome", grades[j][i].outcome()).put("score", grades[j][i].verdict().score());
                g.put(grades[j][i].failed() ? "failure" : "reason", grades[j][i].failed() ? grades[j][i].failure() : grades[j][i].verdict().reason());
            }
            rows.add(o);
        }
        Jsonl.write(run.resolve("judges.jsonl"), rows);
        AtomicFiles.writeString(run.resolve("judges.json"), EvalRunner.pretty(summary));
        Path metrics = run.resolve(EvalRunner.METRICS);
        if (Files.exists(metrics)) {
            JsonNode m = Jsonl.MAPPER.readTree(Files.readString(metrics));
            if (m instanceof ObjectNode mo) {
                mo.set("judge_panel", summary);
                AtomicFiles.writeString(metrics, EvalRunner.pretty(mo));
            }
        }
        out.print(JudgePanel.table(summary));
        out.flush();
        return summary;
    }
}
