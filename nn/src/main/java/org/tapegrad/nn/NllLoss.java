package org.tapegrad.nn;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;

/**
 * Negative log-likelihood of log-probabilities [N, C] (e.g. from {@code logSoftmax(1)}) against class indices, as
 * PyTorch's {@code NLLLoss}: {@code ℓᵢ = -w[yᵢ]·input[i, yᵢ]} with class weights w (all 1 by default), 0 where
 * {@code yᵢ} is the ignoreIndex; MEAN divides the sum by {@code Σᵢ w[yᵢ]} over the rows not ignored.
 */
public class NllLoss {
    private final Reduction reduction;
    private final Tensor weight;
    private final int ignoreIndex;

    /** Mean reduction. */
    public NllLoss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public NllLoss(Reduction reduction) {
        this(reduction, null, Losses.DEFAULT_IGNORE_INDEX);
    }

    /**
     * @param weight      [C] class weights (not modified, not differentiated), or null for all 1
     * @param ignoreIndex the label of rows to leave out (-100 in PyTorch)
     */
    public NllLoss(Reduction reduction, Tensor weight, int ignoreIndex) {
        this.reduction = LossChecks.require(reduction);
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
    }

    /**
     * The loss of {@code logProbabilities} [N, C] (not modified) for {@code labels} (N class indices in [0, C), or
     * the ignoreIndex).
     *
     * @throws IllegalArgumentException for a wrong label count, a label out of range, or (MEAN) every row ignored
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor logProbabilities, int[] labels) {
        LossChecks.checkLabels("NllLoss", logProbabilities, labels, ignoreIndex);
        Tensor loss = reduction == Reduction.MEAN
                ? Losses.nllLoss(logProbabilities, labels, weight, ignoreIndex)
                : reduction.apply(Losses.nllLossUnreduced(logProbabilities, labels, weight, ignoreIndex));
        return LossChecks.checkFinite("NllLoss", loss);
    }
}
