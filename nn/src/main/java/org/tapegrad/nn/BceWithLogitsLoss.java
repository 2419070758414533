package org.tapegrad.nn;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;

/**
 * Binary cross-entropy on logits x with targets t in [0, 1], as PyTorch's {@code BCEWithLogitsLoss}: element-wise
 * {@code -[p·t·log σ(x) + (1-t)·log(1-σ(x))]} with an optional weight p on the positive term ({@code posWeight},
 * broadcast against x, typically one per class), computed stably as {@code (1-t)·x + (1 + (p-1)·t)·softplus(-x)};
 * then reduced. The mean case without posWeight uses the fused {@link Losses#binaryCrossEntropyWithLogits}.
 */
public class BceWithLogitsLoss {
    private final Reduction reduction;
    private final Tensor posWeight;

    /** Mean reduction. */
    public BceWithLogitsLoss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public BceWithLogitsLoss(Reduction reduction) {
        this(reduction, null);
    }

    /**
     * @param posWeight the weight of positive examples (not modified, not differentiated), broadcast against the
     *                  logits; null for 1
     */
    public BceWithLogitsLoss(Reduction reduction, Tensor posWeight) {
        this.reduction = LossChecks.require(reduction);
        this.posWeight = posWeight;
    }

    /**
     * The loss of {@code logits} against {@code targets} (same shape; neither modified).
     *
     * @throws IllegalArgumentException when the shapes differ, or posWeight does not broadcast to them
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor logits, Tensor targets) {
        LossChecks.checkSameShape("BceWithLogitsLoss", logits, targets);
        Tensor loss;
        if (reduction == Reduction.MEAN && posWeight == null) {
            loss = Losses.binaryCrossEntropyWithLogits(logits, targets);
        } else {
            loss = reduction.apply(Losses.binaryCrossEntropyWithLogitsUnreduced(logits, targets, posWeight));
        }
        return LossChecks.checkFinite("BceWithLogitsLoss", loss);
    }
}
