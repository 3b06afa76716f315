package dev.deliberate.engine.train;

/**
 * Direct Preference Optimisation (Rafailov et al., 2023) on summed response log-probabilities.
 *
 * <p>{@code L = −log σ(β[(log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))])} (eq. 7),
 * optionally with conservative label smoothing ε (cDPO: {@code −(1−ε) log σ(z) − ε log σ(−z)}) and an SFT term on
 * the chosen response ({@code α · NLL(y_w) / |y_w|}, as in RPO and TRL's {@code rpo_alpha}).
 * The gradients are with respect to the policy's summed log-probs; the trainer spreads each one over the
 * response tokens of its sequence.
 */
public record DpoLoss(double beta, double labelSmoothing, double sftWeight) {

    public DpoLoss {
        if (!(beta > 0)) throw new IllegalArgumentException("DPO beta must be > 0, got " + beta);
        if (labelSmoothing < 0 || labelSmoothing >= 0.5) throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
        if (sftWeight < 0) throw new IllegalArgumentException("SFT weight must be >= 0, got " + sftWeight);
    }

    public static DpoLoss standard(double beta) {
        return new DpoLoss(beta, 0, 0);
    }

    /**
     * One pair's loss, gradients and the metrics TRL logs.
     *
     * @param dPolicyChosen   ∂L/∂ log π(y_w|x)
     * @param dPolicyRejected ∂L/∂ log π(y_l|x)
     * @param rewardChosen    TRL {@code rewards/chosen} = β (log π(y_w) − log π_ref(y_w))
     * @param rewardRejected  TRL {@code rewards/rejected}
     */
    public record Result(double loss, double dPolicyChosen, double dPolicyRejected,
                         double rewardChosen, double rewardRejected) {
        public double margin() {
            return rewardChosen - rewardRejected;
        }

        /** TRL {@code rewards/accuracies}: the implicit reward prefers the chosen response. */
        public boolean correct() {
            return rewardChosen > rewardRejected;
        }
    }

    /**
     * @param chosenTokens number of response tokens in y_w (for the length-normalised SFT term; ignored when α = 0)
     */
    public Result compute(double policyChosen, double policyRejected, double refChosen, double refRejected, int chosenTokens) {
        double rc = beta * (policyChosen - refChosen);
        double rr = beta * (policyRejected - refRejected);
        double z = rc - rr;
        double eps = labelSmoothing;
        double loss = (1 - eps) * softplus(-z) + eps * softplus(z);
        // d/dz [ (1-ε) softplus(-z) + ε softplus(z) ] = -(1-ε) σ(-z) + ε σ(z)
        double dz = -(1 - eps) * sigmoid(-z) + eps * sigmoid(z);
        double dChosen = beta * dz, dRejected = -beta * dz;
        if (sftWeight > 0) {
            int n = Math.max(1, chosenTokens);
            loss += sftWeight * (-policyChosen / n);
            dChosen += -sftWeight / n;
        }
        return new Result(loss, dChosen, dRejected, rc, rr);
    }

    /** log(1 + e^x) without overflow. */
    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
