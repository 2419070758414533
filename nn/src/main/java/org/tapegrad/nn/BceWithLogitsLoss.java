package org.tapegrad.nn;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;

/**
 * Binary cross-entropy on logits x with targets t in [0, 1], element-wise in the stable form
 * {@code max(x, 0) - x·t + log(1 + e^-|x|)} (equal to {@code -[t·log σ(x) + (1-t)·log(1-σ(x))]}), then reduced.
 * The mean case uses the fused {@link Losses#binaryCrossEntropyWithLogits}.
 */
public class BceWithLogitsLoss {
    private final Reduction reduction;

    /** Mean reduction. */
    public BceWithLogitsLoss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public BceWithLogitsLoss(Reduction reduction) {
        this.reduction = LossChecks.require(reduction);
    }

    /**
     * The loss of {@code logits} against {@code targets} (same shape; neither modified).
     *
     * @throws IllegalArgumentException when the shapes differ
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor logits, Tensor targets) {
        LossChecks.checkSameShape("BceWithLogitsLoss", logits, targets);
        Tensor loss;
        if (reduction == Reduction.MEAN) {
            loss = Losses.binaryCrossEntropyWithLogits(logits, targets);
        } else {
            Tensor perElement = logits.relu().sub(logits.mul(targets)).add(logits.abs().neg().exp().add(1).log());
            loss = reduction.apply(perElement);
        }
        return LossChecks.checkFinite("BceWithLogitsLoss", loss);
    }
}
