package org.tapegrad.nn;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;

/**
 * Whether pairs are alike, as PyTorch's {@code CosineEmbeddingLoss}: per row, {@code 1 - cos(aᵢ, bᵢ)} where the
 * target is 1 and {@code max(0, cos(aᵢ, bᵢ) - margin)} where it is -1, with the cosine taken along the last
 * dimension ({@link Losses#cosineEmbeddingLoss}); then reduced.
 */
public class CosineEmbeddingLoss {
    private final Reduction reduction;
    private final double margin;

    /** Mean reduction, margin 0. */
    public CosineEmbeddingLoss() {
        this(Reduction.MEAN, 0);
    }

    /**
     * @param margin in [-1, 1]; PyTorch suggests 0 to 0.5
     */
    public CosineEmbeddingLoss(Reduction reduction, double margin) {
        if (!(margin >= -1 && margin <= 1)) {
            throw new IllegalArgumentException("CosineEmbeddingLoss: margin must be in [-1, 1], got " + margin);
        }
        this.reduction = LossChecks.require(reduction);
        this.margin = margin;
    }

    /**
     * The loss of pairs {@code a}, {@code b} ([N, D] or [D]; not modified) with {@code target} [N] (or []) holding
     * 1 for a pair that should be alike and -1 for one that should not.
     *
     * @throws IllegalArgumentException when the shapes differ or a target is neither 1 nor -1
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor a, Tensor b, Tensor target) {
        Tensor loss = reduction == Reduction.MEAN ? Losses.cosineEmbeddingLoss(a, b, target, margin)
                : reduction.apply(Losses.cosineEmbeddingLossUnreduced(a, b, target, margin));
        return LossChecks.checkFinite("CosineEmbeddingLoss", loss);
    }
}
