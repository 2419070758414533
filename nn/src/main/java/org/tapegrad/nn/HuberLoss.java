package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/**
 * Huber loss, element-wise with {@code d = x - t}: {@code ½d²} where {@code |d| < δ}, else {@code δ·(|d| - ½δ)};
 * then reduced. Computed as {@code ½q² + δ·(|d| - q)} with {@code q = min(|d|, δ)}.
 */
public class HuberLoss {
    private final Reduction reduction;
    private final double delta;

    /** Mean reduction, δ = 1. */
    public HuberLoss() {
        this(Reduction.MEAN, 1);
    }

    /** Mean reduction with threshold {@code delta} &gt; 0. */
    public HuberLoss(double delta) {
        this(Reduction.MEAN, delta);
    }

    /** With the given reduction and threshold {@code delta} &gt; 0. */
    public HuberLoss(Reduction reduction, double delta) {
        if (!(delta > 0)) {
            throw new IllegalArgumentException("HuberLoss: delta must be > 0, got " + delta);
        }
        this.reduction = LossChecks.require(reduction);
        this.delta = delta;
    }

    /**
     * The loss of {@code input} against {@code target} (same shape; neither modified).
     *
     * @throws IllegalArgumentException when the shapes differ
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor input, Tensor target) {
        LossChecks.checkSameShape("HuberLoss", input, target);
        Tensor a = input.sub(target).abs();
        Tensor q = a.clamp(0, delta);
        Tensor perElement = q.mul(q).mul(0.5).add(a.sub(q).mul(delta));
        return LossChecks.checkFinite("HuberLoss", reduction.apply(perElement));
    }
}
