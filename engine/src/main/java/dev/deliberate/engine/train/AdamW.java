package dev.deliberate.engine.train;

import dev.deliberate.engine.backend.Backend;
import dev.deliberate.engine.backend.Tensor;
import dev.deliberate.engine.model.Parameter;
import dev.deliberate.engine.model.Transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (Loshchilov &amp; Hutter 2019) with global-norm gradient clipping. Weight decay applies to matrices only:
 * biases and RMSNorm weights are excluded as Hugging Face's Trainer does; embeddings are decayed unless
 * {@code decayEmbeddings} is false.
 */
public final class AdamW {
    /** Hyper-parameters; torch's defaults are betas (0.9, 0.999), eps 1e-8. */
    public record Config(double beta1, double beta2, double eps, double weightDecay, boolean decayEmbeddings) {
        public static Config defaults(double weightDecay) {
            return new Config(0.9, 0.999, 1e-8, weightDecay, true);
        }
    }

    private record State(Parameter param, Tensor m, Tensor v, boolean decay) {}

    private final Backend be;
    private final Config cfg;
    private final List<State> states = new ArrayList<>();
    private int step;

    public AdamW(Transformer model, Config cfg) {
        this.be = model.backend();
        this.cfg = cfg;
        for (Parameter p : model.trainableParameters()) { // with LoRA: the adapters only, so the frozen base has no moments
            boolean decay = p.shape().length >= 2 && (cfg.decayEmbeddings() || !p.name().contains("embed_tokens"));
            states.add(new State(p, be.allocate(p.size()), be.allocate(p.size()), decay));
        }
    }

    public int stepCount() {
        return step;
    }

    /** The parameters this optimizer updates, in the order of {@link #moments()}. */
    public List<Parameter> parameters() {
        return states.stream().map(State::param).toList();
    }

    /** Each parameter's first and second moments, in parameter order: what resumable training state must keep. */
    public List<Tensor[]> moments() {
        return states.stream().map(st -> new Tensor[]{st.m, st.v}).toList();
    }

    /** Continues from a saved state: the moments were uploaded through {@link #moments()}; bias correction needs the step. */
    public void restoreStepCount(int stepCount) {
        if (stepCount < 0) throw new IllegalArgumentException("step count must be >= 0, got " + stepCount);
        step = stepCount;
    }

    /** The global L2 norm of all gradients. */
    public double gradNorm() {
        double s = 0;
        for (State st : states) s += be.sumOfSquares(st.param.grad(be), st.param.size());
        return Math.sqrt(s);
    }

    /**
     * Clips the gradients to {@code maxNorm} (if positive) and applies one update at learning rate {@code lr}.
     *
     * @return the gradient norm before clipping
     */
    public double step(double lr, double maxNorm) {
        double norm = gradNorm();
        if (!Double.isFinite(norm)) throw new IllegalStateException("gradient norm is " + norm + "; the loss diverged");
        if (maxNorm > 0 && norm > maxNorm) {
            float s = (float) (maxNorm / (norm + 1e-6)); // torch.nn.utils.clip_grad_norm_
            for (State st : states) be.scale(st.param.grad(be), st.param.size(), s);
        }
        step++;
        for (State st : states)
            be.adamw(st.param.value(), st.param.grad(be), st.m, st.v, st.param.size(), (float) lr, (float) cfg.beta1(),
                    (float) cfg.beta2(), (float) cfg.eps(), st.decay ? (float) cfg.weightDecay() : 0f, step);
        return norm;
    }
}
