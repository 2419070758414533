package org.tapegrad.nn;

import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;

/**
 * Softmax cross-entropy of logits [N, C], as PyTorch's {@code CrossEntropyLoss}. Against class indices, per sample
 * {@code ℓᵢ = (1-ε)·w[yᵢ]·(-log pᵢ[yᵢ]) + (ε/C)·Σ_c w[c]·(-log pᵢ[c])} with {@code p = softmax(logits)}, class
 * weights w (all 1 by default), label smoothing ε in [0, 1), and ℓᵢ = 0 where {@code yᵢ} is the ignoreIndex; MEAN
 * divides the sum by {@code Σᵢ w[yᵢ]} over the rows not ignored (a weighted mean). Against class probabilities t
 * [N, C] (soft targets), {@code ℓᵢ = -Σ_c w[c]·t'[i,c]·log pᵢ[c]} with {@code t' = (1-ε)·t + ε/C}, and MEAN divides
 * by N. The plain mean case uses the fused {@link Losses#crossEntropy(Tensor, int[])}; the others are composed.
 */
public class CrossEntropyLoss {
    private final Reduction reduction;
    private final double labelSmoothing;
    private final Tensor weight;
    private final int ignoreIndex;

    /** Mean reduction, no label smoothing, no class weights. */
    public CrossEntropyLoss() {
        this(Reduction.MEAN, 0);
    }

    /**
     * @param reduction      how per-sample losses are combined
     * @param labelSmoothing ε in [0, 1)
     */
    public CrossEntropyLoss(Reduction reduction, double labelSmoothing) {
        this(reduction, labelSmoothing, null, Losses.DEFAULT_IGNORE_INDEX);
    }

    /**
     * @param reduction      how per-sample losses are combined
     * @param labelSmoothing ε in [0, 1)
     * @param weight         [C] class weights (not modified, not differentiated), or null for all 1
     * @param ignoreIndex    the label of rows to leave out ({@link Losses#DEFAULT_IGNORE_INDEX}, -100, in PyTorch)
     */
    public CrossEntropyLoss(Reduction reduction, double labelSmoothing, Tensor weight, int ignoreIndex) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: labelSmoothing must be in [0, 1), got " + labelSmoothing);
        }
        if (weight != null && weight.rank() != 1) {
            throw new IllegalArgumentException("CrossEntropyLoss: class weights must be a vector [C], got shape "
                    + java.util.Arrays.toString(weight.shape()));
        }
        this.reduction = LossChecks.require(reduction);
        this.labelSmoothing = labelSmoothing;
        this.weight = weight;
        this.ignoreIndex = ignoreIndex;
    }

    /**
     * The loss of {@code logits} [N, C] (not modified) for {@code labels} (N class indices in [0, C), or the
     * ignoreIndex).
     *
     * @throws IllegalArgumentException for a wrong label count, a label out of range, or (MEAN) every row ignored
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor logits, int[] labels) {
        LossChecks.checkLabels("CrossEntropyLoss", logits, labels, ignoreIndex);
        Tensor loss;
        if (reduction == Reduction.MEAN && labelSmoothing == 0 && weight == null
                && !LossChecks.anyIgnored(labels, ignoreIndex)) {
            loss = Losses.crossEntropy(logits, labels);
        } else if (reduction == Reduction.MEAN) {
            loss = Losses.crossEntropy(logits, labels, weight, ignoreIndex, labelSmoothing);
        } else {
            loss = reduction.apply(Losses.crossEntropyUnreduced(logits, labels, weight, ignoreIndex, labelSmoothing));
        }
        return LossChecks.checkFinite("CrossEntropyLoss", loss);
    }

    /**
     * The loss of {@code logits} [N, C] against class probabilities {@code targets} [N, C] (each row summing to 1;
     * neither modified). The targets may require grad.
     *
     * @throws IllegalArgumentException when the shapes differ
     * @throws ArithmeticException      when the loss is not finite
     */
    public Tensor forward(Tensor logits, Tensor targets) {
        LossChecks.checkSameShape("CrossEntropyLoss", logits, targets);
        Tensor loss = reduction == Reduction.MEAN
                ? Losses.crossEntropy(logits, targets, weight, labelSmoothing)
                : reduction.apply(Losses.crossEntropyUnreduced(logits, targets, weight, labelSmoothing));
        return LossChecks.checkFinite("CrossEntropyLoss", loss);
    }
}
