package dev.deliberate.cli;

import dev.deliberate.align.data.AtomicFiles;
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

    static TrainRun open(TrainOptions o, String command, Map<String, Object> settings, PrintWriter err) {
        try {
            Files.createDirectories(o.out);
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

    /** Saves the final model as a Hugging Face folder with the tokenizer files, and writes and prints the summary. */
    void finish(Transformer model, Path tokenizerDir, TrainLoop.Summary s, Map<String, Object> more) {
        closeBar();
        try {
            var written = new LinkedHashMap<String, Object>();
            if (model.lora() != null) LoraRun.save(model, out, tokenizerDir, options, written); // out/adapter (+ out/checkpoint with --merge)
            else {
                Checkpoint.save(model, out.resolve("checkpoint"), new Checkpoint.Options(tokenizerDir, Checkpoint.DEFAULT_SHARD_BYTES, Safetensors.DType.F32, null));
                written.put("checkpoint", out.resolve("checkpoint").toString());
            }
            var summary = new LinkedHashMap<String, Object>();
            summary.put("steps", s.steps());
            summary.put("resumed_from", s.resumedFrom());
            summary.put("final_loss", s.finalLoss());
            summary.put("mean_tokens_per_second", s.meanTokensPerSecond());
            summary.put("seconds", (System.nanoTime() - started) / 1e9);
            summary.putAll(more);
            summary.put("eval", s.lastEval());
            summary.putAll(written);
            writeJson(out.resolve("summary.json"), summary);
            err.println(JSON.writeValueAsString(summary));
            err.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint or summary into " + out + ": " + e.getMessage(), e);
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

    static Transformer loadModel(Path dir) {
        try {
            return Checkpoint.load(dir, new CpuBackend());
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot load the model in " + dir + ": " + e.getMessage() + " (give a Hugging Face folder with config.json and model.safetensors)");
        }
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
