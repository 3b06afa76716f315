package dev.deliberate.cli;

import dev.deliberate.align.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deliberate.engine.backend.cpu.CpuBackend;
import dev.deliberate.engine.io.Checkpoint;
import dev.deliberate.engine.io.Safetensors;
import dev.deliberate.engine.model.Transformer;
import dev.deliberate.engine.tokenizer.ChatTemplate;
import dev.deliberate.engine.tokenizer.HfTokenizer;
import dev.deliberate.engine.train.MetricsLog;
import dev.deliberate.engine.train.TrainLoop;
import dev.deliberate.engine.train.TrainState;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code train} run folder (docs/runs.md): the resolved config, {@code metrics.jsonl} (cut back to the saved
 * step on resume), a progress bar with loss, rate and ETA, then {@code checkpoint/} with the tokenizer files and
 * {@code summary.json}.
 *
 * <p>{@code summary.json} is the commit marker of a finished run: the summary is first written (fsynced) as
 * {@code summary.pending.json}, then the checkpoint, and one rename of the pending file commits both. A finished
 * folder is never rewritten: a rerun says so and exits 0 ({@link #alreadyFinished}). A rerun after a kill during the
 * final save trains nothing more (the state is at the last step) and commits the pending summary, so the summary keeps
 * the loss and rates of the run that trained. Temporary folders of killed writes are removed when the run opens.
 */
final class TrainRun implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final Path out;
    final int resumeFrom;
    private final MetricsLog metrics;
    private final PrintWriter err;
    private final long started = System.nanoTime();
    private Progress bar;
    private TrainOptions options;

    private TrainRun(Path out, int resumeFrom, MetricsLog metrics, PrintWriter err) {
        this.out = out;
        this.resumeFrom = resumeFrom;
        this.metrics = metrics;
        this.err = err;
    }

    static final String SUMMARY = "summary.json", PENDING = "summary.pending.json";

    /**
     * True when {@code out} holds a finished run (its {@code summary.json}); the caller then exits 0 without touching
     * the folder. Checked before anything is loaded, so a rerun of a finished stage costs nothing.
     */
    static boolean alreadyFinished(TrainOptions o, PrintWriter err) {
        if (o.out == null || !Files.isRegularFile(o.out.resolve(SUMMARY))) return false;
        // a LoRA run's output is adapter/ (and checkpoint/ with --merge); a full fine-tune's is checkpoint/
        var outputs = o.lora == null ? java.util.List.of("checkpoint") : o.merge ? java.util.List.of("adapter", "checkpoint") : java.util.List.of("adapter");
        for (String d : outputs)
            if (!Files.isDirectory(o.out.resolve(d)))
                throw new UserError(o.out + " has a summary.json but no " + d + "/ (was it deleted?); delete " + o.out.resolve(SUMMARY) + " to save the model again from state/, or choose another --out");
        err.println(o.out + " is already finished (summary.json); nothing to do. Choose another --out to train again.");
        err.flush();
        return true;
    }

    static TrainRun open(TrainOptions o, String command, Map<String, Object> settings, PrintWriter err) {
        try {
            Files.createDirectories(o.out);
            removeOrphans(o.out);
            int resume = TrainState.savedStep(o.out.resolve("state"));
            var config = new LinkedHashMap<String, Object>();
            config.put("command", command);
            config.put("version", Version.number());
            config.put("started", Instant.now().toString());
            config.putAll(settings);
            config.putAll(o.asMap());
            writeJson(o.out.resolve("config.json"), config);
            if (resume > 0) err.println("resuming " + o.out + " from step " + resume);
            var run = new TrainRun(o.out, resume, MetricsLog.open(o.out.resolve("metrics.jsonl"), resume), err);
            run.options = o;
            return run;
        } catch (IOException e) {
            throw new UserError("cannot write the run folder " + o.out + ": " + e.getMessage());
        }
    }

    static void writeJson(Path file, Object value) throws IOException {
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(value));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Loop options: state in {@code out/state}, metrics to the log, a progress bar on stderr. */
    TrainLoop.Options loopOptions(String task) {
        return new TrainLoop.Options(out.resolve("state"), metrics, (done, total, line) -> {
            if (bar == null) {
                bar = Progress.start(err, task, total, "steps");
                bar.stepTo(done - 1);
            }
            bar.message(String.format(" loss %.4f", ((Number) line.get("loss")).doubleValue()));
            bar.stepTo(done);
        });
    }

    /**
     * Saves the final model as a Hugging Face folder with the tokenizer files, and writes and prints the summary, as
     * one commit: pending summary (fsynced), checkpoint (fsynced, renamed into place), then the rename of the pending
     * summary to {@code summary.json}.
     */
    void finish(Transformer model, Path tokenizerDir, TrainLoop.Summary s, Map<String, Object> more) {
        closeBar();
        try {
            Path pending = out.resolve(PENDING);
            Object summary;
            if (s.steps() == s.resumedFrom() && Files.isRegularFile(pending)) {
                summary = JSON.readTree(pending.toFile()); // a final save killed before its commit: keep what the training run measured
            } else {
                var m = new LinkedHashMap<String, Object>();
                boolean trainedNow = s.steps() > s.resumedFrom();
                var fromLog = trainedNow ? null : MetricsSummary.read(out.resolve("metrics.jsonl"));
                m.put("steps", s.steps());
                m.put("resumed_from", s.resumedFrom());
                m.put("final_loss", trainedNow ? s.finalLoss() : fromLog.finalLoss());
                m.put("mean_tokens_per_second", trainedNow ? s.meanTokensPerSecond() : fromLog.meanTokensPerSecond());
                m.put("seconds", (System.nanoTime() - started) / 1e9);
                m.putAll(more);
                m.put("eval", trainedNow || !s.lastEval().isEmpty() ? s.lastEval() : fromLog.lastEval());
                if (model.lora() != null) {
                    m.put("adapter", out.resolve("adapter").toString());
                    m.put("lora", model.lora().spec());
                    if (options.merge) m.put("checkpoint", out.resolve("checkpoint").toString());
                } else m.put("checkpoint", out.resolve("checkpoint").toString());
                writeJson(pending, m);
                Checkpoint.fsyncFile(pending);
                summary = m;
            }
            if (model.lora() != null) LoraRun.save(model, out, tokenizerDir, options, new LinkedHashMap<>()); // out/adapter (+ out/checkpoint with --merge)
            else Checkpoint.save(model, out.resolve("checkpoint"), new Checkpoint.Options(tokenizerDir, Checkpoint.DEFAULT_SHARD_BYTES, Safetensors.DType.F32, null));
            Files.move(pending, out.resolve(SUMMARY), java.nio.file.StandardCopyOption.ATOMIC_MOVE); // the commit
            Checkpoint.fsyncDir(out);
            err.println(JSON.writeValueAsString(summary));
            err.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint or summary into " + out + ": " + e.getMessage(), e);
        }
    }

    /** Temporary files and folders that killed writes left in the run folder (never a committed file). */
    static void removeOrphans(Path out) throws IOException {
        if (!Files.isDirectory(out)) return;
        try (var s = Files.list(out)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                boolean orphan = n.matches("(checkpoint|adapter)\\.(tmp|old)-\\d+") || (n.startsWith(".") && n.endsWith(".tmp") && Files.isRegularFile(p));
                if (orphan) Checkpoint.deleteTree(p);
            }
        }
    }


    /** What {@code metrics.jsonl} says about a run, for a finish that trained no step in this process. */
    record MetricsSummary(double finalLoss, double meanTokensPerSecond, Map<String, Object> lastEval) {
        static MetricsSummary read(Path log) throws IOException {
            double loss = Double.NaN, tps = 0;
            int n = 0;
            Map<String, Object> eval = Map.of();
            if (Files.isRegularFile(log))
                for (String line : Files.readAllLines(log)) {
                    if (line.isBlank()) continue;
                    com.fasterxml.jackson.databind.JsonNode j;
                    try {
                        j = JSON.readTree(line);
                    } catch (IOException e) {
                        continue; // a torn last line
                    }
                    if ("train".equals(j.path("split").asText())) {
                        loss = j.path("loss").asDouble(Double.NaN);
                        tps += j.path("tokens_per_second").asDouble(0);
                        n++;
                    } else if ("eval".equals(j.path("split").asText())) {
                        var m = new LinkedHashMap<String, Object>();
                        j.fields().forEachRemaining(e -> {
                            if (!e.getKey().equals("step") && !e.getKey().equals("split")) m.put(e.getKey(), e.getValue().asDouble());
                        });
                        eval = m;
                    }
                }
            return new MetricsSummary(loss, n == 0 ? 0 : tps / n, eval);
        }
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void close() {
        closeBar();
        metrics.close();
    }

    // ---- loading what the commands are given

    /** The file a flag names, or a message saying which flag and what it expects. */
    static Path requireFile(Path file, String flag, String what) {
        if (file != null && !Files.isRegularFile(file)) throw new UserError(flag + " " + file + ": no such file (expected " + what + ")");
        return file;
    }

    static HfTokenizer loadTokenizer(Path dir) {
        if (!Files.isRegularFile(dir.resolve("tokenizer.json")))
            throw new UserError(dir + " has no tokenizer.json: give --tokenizer DIR (train one with 'deliberate train tokenizer')");
        try {
            return HfTokenizer.load(dir);
        } catch (RuntimeException e) {
            throw new UserError("cannot load the tokenizer in " + dir + ": " + e.getMessage());
        }
    }

    static ChatTemplate template(HfTokenizer tok, Path dir) {
        return tok.chatTemplate().orElseThrow(() -> new UserError(dir + "/tokenizer_config.json has no chat_template: training on "
                + "conversations needs one (tokenizers from 'deliberate train tokenizer' carry ChatML)"));
    }
}
