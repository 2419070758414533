package org.tapegrad.nn;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;

/**
 * Softmax cross-entropy of logits [N, C] against class indices: per sample
 * {@code ℓᵢ = (1-ε)·(-log pᵢ[yᵢ]) + ε·(1/C)·Σ_c -log pᵢ[c]} with {@code p = softmax(logits)} and label smoothing
 * ε in [0, 1) (0: plain cross-entropy), then reduced. The plain mean case uses the fused
 * {@link Losses#crossEntropy}; the others are composed from {@code logSoftmax}.
 */
public class CrossEntropyLoss {
    private final Reduction reduction;
    private final double labelSmoothing;

    /** Mean reduction, no label smoothing. */
    public CrossEntropyLoss() {
        this(Reduction.MEAN, 0);
    }

    /**
     * @param reduction      how per-sample losses are combined
     * @param labelSmoothing ε in [0, 1)
     */
    public CrossEntropyLoss(Reduction reduction, double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: labelSmoothing must be in [0, 1), got " + labelSmoothing);
        }
        this.reduction = LossChecks.require(reduction);
        this.labelSmoothing = labelSmoothing;
    }

    /**
     * The loss of {@code logits} [N, C] (not modified) for {@code labels} (N class indices in [0, C)).
     *
     * @throws IllegalArgumentException for a wrong label count or a label out of range
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor logits, int[] labels) {
        LossChecks.checkLabels("CrossEntropyLoss", logits, labels);
        Tensor loss;
        if (reduction == Reduction.MEAN && labelSmoothing == 0) {
            loss = Losses.crossEntropy(logits, labels);
        } else {
            Tensor logp = logits.logSoftmax(1);
            Tensor perSample = logp.mul(LossChecks.oneHot(logits, labels)).sum(1, false).neg();
            if (labelSmoothing > 0) {
                Tensor uniform = logp.mean(1, false).neg();
                perSample = perSample.mul(1 - labelSmoothing).add(uniform.mul(labelSmoothing));
            }
            loss = reduction.apply(perSample);
        }
        return LossChecks.checkFinite("CrossEntropyLoss", loss);
    }
}
