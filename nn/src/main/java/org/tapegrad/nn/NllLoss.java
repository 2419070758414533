package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/**
 * Negative log-likelihood of log-probabilities [N, C] (e.g. from {@code logSoftmax(1)}) against class indices:
 * {@code ℓᵢ = -input[i, yᵢ]}, then reduced.
 */
public class NllLoss {
    private final Reduction reduction;

    /** Mean reduction. */
    public NllLoss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public NllLoss(Reduction reduction) {
        this.reduction = LossChecks.require(reduction);
    }

    /**
     * The loss of {@code logProbabilities} [N, C] (not modified) for {@code labels} (N class indices in [0, C)).
     *
     * @throws IllegalArgumentException for a wrong label count or a label out of range
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor logProbabilities, int[] labels) {
        LossChecks.checkLabels("NllLoss", logProbabilities, labels);
        Tensor perSample = logProbabilities.mul(LossChecks.oneHot(logProbabilities, labels)).sum(1, false).neg();
        return LossChecks.checkFinite("NllLoss", reduction.apply(perSample));
    }
}
