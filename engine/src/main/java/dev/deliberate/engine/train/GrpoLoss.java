package dev.deliberate.engine.train;

/**
 * Group Relative Policy Optimisation (Shao et al., 2024, DeepSeekMath §4.1): a PPO-style clipped objective with
 * advantages normalised within the group of samples drawn for one prompt, and a per-token KL penalty to a frozen
 * reference model using the unbiased estimator {@code KL = r − log r − 1}, {@code r = π_ref/π} (eq. 4).
 *
 * <p>Per response token t of sample i: {@code L_t = −min(ρ_t A_i, clip(ρ_t, 1−ε, 1+ε) A_i) + β·KL_t}, with
 * {@code ρ_t = π(o_t)/π_old(o_t)}. The sequence loss is the mean over its tokens, the batch loss the mean over
 * sequences. {@link #tokenGradients} returns ∂L/∂log π(o_t) for every token, which is what the engine's backward
 * pass takes.
 */
public record GrpoLoss(double clipEpsilon, double klBeta) {

    public GrpoLoss {
        if (!(clipEpsilon > 0)) throw new IllegalArgumentException("clip epsilon must be > 0, got " + clipEpsilon);
        if (klBeta < 0) throw new IllegalArgumentException("KL beta must be >= 0, got " + klBeta);
    }

    /**
     * Group-normalised advantages: {@code A_i = (r_i − mean(r)) / (std(r) + 1e-4)} (population std), all zero when
     * every reward in the group is equal — such a group carries no learning signal.
     */
    public static double[] groupAdvantages(double[] rewards) {
        int n = rewards.length;
        double[] a = new double[n];
        if (n == 0) return a;
        double mean = mean(rewards), std = populationStd(rewards);
        if (std < 1e-12) return a;
        for (int i = 0; i < n; i++) a[i] = (rewards[i] - mean) / (std + 1e-4);
        return a;
    }

    static double mean(double[] x) {
        double m = 0;
        for (double v : x) m += v;
        return m / x.length;
    }

    /** The group's reward spread as the advantages use it (and TRL logs as {@code reward_std}). */
    static double populationStd(double[] x) {
        double mean = mean(x), var = 0;
        for (double v : x) var += (v - mean) * (v - mean);
        return Math.sqrt(var / x.length);
    }

    /** Loss of one sequence and the statistics an RL log shows. */
    public record SequenceStats(double loss, double meanKl, double clippedFraction) {}

    /**
     * Fills {@code grad[t]} with ∂L_seq/∂log π(o_t) for t in [0, n) where {@code L_seq = (1/n) Σ_t L_t}, and
     * returns the sequence's loss. All arrays are per response token; {@code scale} multiplies every gradient
     * (e.g. 1/numSequences for a batch mean).
     */
    public SequenceStats tokenGradients(double[] logp, double[] oldLogp, double[] refLogp, double advantage,
                                        double scale, double[] grad) {
        int n = logp.length;
        if (oldLogp.length != n || refLogp.length != n || grad.length < n)
            throw new IllegalArgumentException("per-token arrays differ in length: " + n + ", " + oldLogp.length + ", " + refLogp.length + ", " + grad.length);
        if (n == 0) return new SequenceStats(0, 0, 0);
        double loss = 0, kl = 0;
        int clipped = 0;
        for (int t = 0; t < n; t++) {
            double ratio = Math.exp(logp[t] - oldLogp[t]);
            double unclipped = ratio * advantage;
            double clippedRatio = Math.max(1 - clipEpsilon, Math.min(1 + clipEpsilon, ratio));
            double clippedObj = clippedRatio * advantage;
            double g;
            double obj;
            if (unclipped <= clippedObj) {           // min picks the unclipped term: gradient flows
                obj = unclipped;
                g = -unclipped;                      // d(−ρA)/dlogπ = −ρA
            } else {                                 // the clipped term is constant in π
                obj = clippedObj;
                g = 0;
                clipped++;
            }
            double logRatioRef = refLogp[t] - logp[t];
            double r = Math.exp(logRatioRef);
            double klT = r - logRatioRef - 1;        // r − log r − 1 ≥ 0
            g += klBeta * (1 - r);                   // d(r − log r − 1)/dlogπ = −r + 1
            loss += -obj + klBeta * klT;
            kl += klT;
            grad[t] = scale * g / n;
        }
        return new SequenceStats(loss / n, kl / n, (double) clipped / n);
    }
}
