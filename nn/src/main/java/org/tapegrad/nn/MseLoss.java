package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Squared error {@code (x - t)²}, element-wise between input and target of equal shape, then reduced. */
public class MseLoss {
    private final Reduction reduction;

    /** Mean reduction. */
    public MseLoss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public MseLoss(Reduction reduction) {
        this.reduction = LossChecks.require(reduction);
    }

    /**
     * The loss of {@code input} against {@code target} (same shape; neither modified).
     *
     * @throws IllegalArgumentException when the shapes differ
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor input, Tensor target) {
        LossChecks.checkSameShape("MseLoss", input, target);
        Tensor d = input.sub(target);
        Tensor perElement = d.mul(d);
        return LossChecks.checkFinite("MseLoss", reduction.apply(perElement));
    }
}
