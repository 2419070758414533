package org.tapegrad.nn;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;

/**
 * Kullback-Leibler divergence, as PyTorch's {@code KLDivLoss}: the input holds log-probabilities log q, the target
 * probabilities p (or, with {@code logTarget}, log p), and element-wise {@code ℓ = p·(log p - log q)} (0 where
 * p = 0); then reduced. BATCHMEAN (the sum over N) is the KL divergence per sample; MEAN, PyTorch's default,
 * divides by every element and so by the number of classes too.
 */
public class KlDivLoss {
    private final Reduction reduction;
    private final boolean logTarget;

    /** Mean reduction (as PyTorch's default), target given as probabilities. */
    public KlDivLoss() {
        this(Reduction.MEAN, false);
    }

    /**
     * @param reduction NONE, MEAN, SUM or BATCHMEAN
     * @param logTarget the target is given as log-probabilities
     */
    public KlDivLoss(Reduction reduction, boolean logTarget) {
        if (reduction == null) {
            throw new IllegalArgumentException("KlDivLoss: reduction must not be null (NONE, MEAN, SUM or BATCHMEAN)");
        }
        this.reduction = reduction;
        this.logTarget = logTarget;
    }

    /**
     * The divergence of {@code target} from the distribution whose log is {@code input} (same shape; neither
     * modified).
     *
     * @throws IllegalArgumentException when the shapes differ
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor input, Tensor target) {
        LossChecks.checkSameShape("KlDivLoss", input, target);
        Tensor loss = reduction == Reduction.MEAN ? Losses.klDiv(input, target, logTarget)
                : reduction.apply(Losses.klDivUnreduced(input, target, logTarget));
        return LossChecks.checkFinite("KlDivLoss", loss);
    }
}
