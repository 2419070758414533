package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Absolute error {@code |x - t|}, element-wise between input and target of equal shape, then reduced. */
public class L1Loss {
    private final Reduction reduction;

    /** Mean reduction. */
    public L1Loss() {
        this(Reduction.MEAN);
    }

    /** With the given reduction. */
    public L1Loss(Reduction reduction) {
        this.reduction = LossChecks.require(reduction);
    }

    /**
     * The loss of {@code input} against {@code target} (same shape; neither modified).
     *
     * @throws IllegalArgumentException when the shapes differ
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor input, Tensor target) {
        LossChecks.checkSameShape("L1Loss", input, target);
        Tensor perElement = input.sub(target).abs();
        return LossChecks.checkFinite("L1Loss", reduction.apply(perElement));
    }
}
