package dev.deliberate.engine.train;

import dev.deliberate.engine.model.Transformer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The loop every trainer shares (TRL's {@code Trainer}): AdamW with warmup + cosine and clipping, one optimizer step
 * at a time from the method, a {@code metrics.jsonl} line per step with TRL's names, periodic evaluation on the
 * held-out split, and a resumable state every {@code saveEvery} steps. Rerunning into the same state folder
 * continues from the last saved step and ends with the same weights as an uninterrupted run.
 */
public final class TrainLoop {
    private TrainLoop() {}

    /** What differs between SFT, DPO and RL: how a step is made, and how the held-out split is scored. */
    public interface Method {
        /** {@code sft}, {@code dpo}, {@code rl}: recorded in the state, so a state is never resumed by another method. */
        String name();

        int totalSteps();

        /** Identifies the data (sizes, a hash), so a state is never resumed over different data. */
        String fingerprint();

        /** Runs 0-based optimizer step {@code step} through {@code trainer}; returns its stats and the method's metrics. */
        Step step(int step, Trainer trainer);

        /** Metrics on the held-out split (empty map when there is none). */
        Map<String, Double> evaluate();

        /** Fractional epoch after {@code stepsDone} steps. */
        double epoch(int stepsDone);
    }

    public record Step(Trainer.StepStats stats, Map<String, Double> metrics) {}

    /**
     * @param stateDir   where the resumable state lives (null: not resumable)
     * @param metrics    receives every metrics line (train and eval)
     * @param onStep     called after each step with (steps done, total, train line), e.g. a progress bar
     */
    public record Options(Path stateDir, Consumer<Map<String, Object>> metrics, StepListener onStep) {
        public static Options inMemory(Consumer<Map<String, Object>> metrics) {
            return new Options(null, metrics, (d, t, l) -> {});
        }
    }

    @FunctionalInterface
    public interface StepListener {
        void stepped(int done, int total, Map<String, Object> line);
    }

    /** What a run did. */
    public record Summary(int steps, int resumedFrom, double finalLoss, Map<String, Double> lastEval, double meanTokensPerSecond) {}

    /** The step an existing state would resume from (0 when there is none). */
    public static int resumePoint(Method method, TrainConfig cfg, Transformer model, AdamW optimizer, Path stateDir) {
        if (stateDir == null) return 0;
        return TrainState.load(stateDir, model, optimizer, runId(method, cfg)).orElse(0);
    }

    static TrainState.RunId runId(Method method, TrainConfig cfg) {
        return new TrainState.RunId(method.name(), cfg.seed(), method.fingerprint(), method.totalSteps());
    }

    public static Summary run(Transformer model, Method method, TrainConfig cfg, Options opt) {
        int total = method.totalSteps();
        var optimizer = new AdamW(model, AdamW.Config.defaults(cfg.weightDecay()));
        int warmup = (int) Math.round(cfg.warmupRatio() * total);
        var trainer = new Trainer(model, optimizer, new LrSchedule(cfg.lr(), warmup, total, cfg.minLrRatio()), cfg.maxGradNorm());
        int start = resumePoint(method, cfg, model, optimizer, opt.stateDir());
        Map<String, Double> lastEval = Map.of();
        if (start == 0 && cfg.evalEvery() > 0) lastEval = logEval(method, 0, opt);
        double lastLoss = Double.NaN, tokSum = 0;
        for (int s = start; s < total; s++) {
            Step st = method.step(s, trainer);
            int done = s + 1;
            var line = new LinkedHashMap<String, Object>();
            line.put("step", done);
            line.put("split", "train");
            line.put("loss", st.stats().loss());
            line.put("learning_rate", st.stats().lr());
            line.put("grad_norm", st.stats().gradNorm());
            line.put("tokens_per_second", st.stats().tokensPerSecond());
            line.put("epoch", method.epoch(done));
            line.putAll(st.metrics());
            opt.metrics().accept(line);
            lastLoss = st.stats().loss();
            tokSum += st.stats().tokensPerSecond();
            boolean last = done == total;
            if (last || (cfg.evalEvery() > 0 && done % cfg.evalEvery() == 0)) lastEval = logEval(method, done, opt);
            if (opt.stateDir() != null && (last || (cfg.saveEvery() > 0 && done % cfg.saveEvery() == 0)))
                TrainState.save(opt.stateDir(), model, optimizer, done, runId(method, cfg));
            opt.onStep().stepped(done, total, line);
        }
        return new Summary(total, start, lastLoss, lastEval, total > start ? tokSum / (total - start) : 0);
    }

    private static Map<String, Double> logEval(Method method, int step, Options opt) {
        Map<String, Double> m = method.evaluate();
        if (m.isEmpty()) return m;
        var line = new LinkedHashMap<String, Object>();
        line.put("step", step);
        line.put("split", "eval");
        line.putAll(m);
        opt.metrics().accept(line);
        return m;
    }
}
