package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.Arrays;
import org.tapegrad.core.internal.kernel.Shape;
import org.tapegrad.core.internal.kernel.UnaryFn;

/**
 * Loss functions on tensors, reduced to a scalar as PyTorch's functional losses are by default ("mean": a
 * weighted mean where there are class weights); {@code org.tapegrad.nn} wraps them in classes with the other
 * reductions. Class labels are {@code int[]} (there is no integer dtype yet); {@link #DEFAULT_IGNORE_INDEX} is
 * PyTorch's {@code ignore_index} default.
 */
public final class Losses {
    /** The label that marks a sample to leave out, unless another is given: -100, as in PyTorch. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    private Losses() {
    }

    /**
     * Softmax cross-entropy of logits [N, C] against class indices: mean over rows of
     * {@code -log softmax(logits)[i, labels[i]]}, computed stably (log-sum-exp after subtracting the row maximum).
     * Gradient: {@code (softmax(logits) - onehot(labels)) / N}.
     *
     * @throws IllegalArgumentException when the label count differs from N or a label is outside [0, C)
     */
    public static Tensor crossEntropy(Tensor logits, int[] labels) {
        return SoftmaxOps.crossEntropy(logits, labels);
    }

    /**
     * Cross-entropy with PyTorch's options: {@code ℓᵢ = -Σ_c K[i,c]·log softmax(logits)[i,c]} with
     * {@code K[i,c] = (1-ε)·w[yᵢ]·[c = yᵢ] + (ε/C)·w[c]}, over the rows whose label is not {@code ignoreIndex},
     * divided by {@code Σᵢ w[yᵢ]} over those rows (a weighted mean; ε = 0 and no weights give the plain mean).
     * Composed from logSoftmax; its gradient follows.
     *
     * @param logits         [N, C], not modified
     * @param labels         N class indices in [0, C), or {@code ignoreIndex}
     * @param weight         [C] class weights (constants, not differentiated), or null for all 1
     * @param ignoreIndex    rows with this label contribute nothing ({@link #DEFAULT_IGNORE_INDEX} in PyTorch)
     * @param labelSmoothing ε in [0, 1)
     * @throws IllegalArgumentException for a wrong label count, a label out of range, a weight of the wrong shape,
     *                                  or a batch whose every label is ignored
     */
    public static Tensor crossEntropy(Tensor logits, int[] labels, Tensor weight, int ignoreIndex,
            double labelSmoothing) {
        checkSmoothing("crossEntropy", labelSmoothing);
        LabelWeights k = LabelWeights.of("crossEntropy", logits, labels, weight, ignoreIndex, labelSmoothing);
        return k.mean("crossEntropy", k.perRow(logits.logSoftmax(1)), ignoreIndex);
    }

    /**
     * The per-row terms ℓᵢ of {@link #crossEntropy(Tensor, int[], Tensor, int, double)} (PyTorch's reduction
     * "none"): [N], 0 at ignored rows; their sum is the "sum" reduction.
     */
    public static Tensor crossEntropyUnreduced(Tensor logits, int[] labels, Tensor weight, int ignoreIndex,
            double labelSmoothing) {
        checkSmoothing("crossEntropy", labelSmoothing);
        return LabelWeights.of("crossEntropy", logits, labels, weight, ignoreIndex, labelSmoothing)
                .perRow(logits.logSoftmax(1));
    }

    /**
     * Cross-entropy against an int32 tensor of N class indices (as {@link #crossEntropy(Tensor, int[])}), or against
     * class probabilities (soft targets) [N, C] of a float dtype: mean over rows of
     * {@code -Σ_c t[i,c]·log softmax(logits)[i,c]}. The target's dtype decides, as in PyTorch. Composed; gradient
     * {@code (softmax - t)/N} for the logits and {@code -log softmax/N} for the targets.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return target.dtype() == DType.INT32 ? crossEntropy(logits, labels("crossEntropy", target))
                : crossEntropy(logits, target, null, 0);
    }

    /**
     * Cross-entropy against class probabilities [N, C] with class weights and label smoothing: the mean over rows
     * of {@link #crossEntropyUnreduced(Tensor, Tensor, Tensor, double)}. As PyTorch, the mean is over N, not over
     * the weights.
     *
     * @param weight [C] class weights (constants), or null for all 1
     */
    public static Tensor crossEntropy(Tensor logits, Tensor targetProbabilities, Tensor weight, double labelSmoothing) {
        if (targetProbabilities.dtype() == DType.INT32) { // class indices, as in PyTorch
            return crossEntropy(logits, labels("crossEntropy", targetProbabilities), weight, DEFAULT_IGNORE_INDEX,
                    labelSmoothing);
        }
        return crossEntropyUnreduced(logits, targetProbabilities, weight, labelSmoothing).mean();
    }

    /**
     * Per row, {@code -Σ_c w[c]·t'[i,c]·log softmax(logits)[i,c]} with {@code t' = (1-ε)·t + ε/C}: [N]. Composed.
     *
     * @param weight [C] class weights (constants), or null for all 1
     */
    public static Tensor crossEntropyUnreduced(Tensor logits, Tensor targetProbabilities, Tensor weight,
            double labelSmoothing) {
        checkSmoothing("crossEntropy", labelSmoothing);
        requireClassScores("crossEntropy", logits);
        requireSameShape("crossEntropy", logits, targetProbabilities);
        int c = logits.shapeRef()[1];
        Tensor t = labelSmoothing == 0 ? targetProbabilities
                : targetProbabilities.mul(1 - labelSmoothing).add(labelSmoothing / c);
        Tensor perClass = logits.logSoftmax(1).mul(t);
        if (weight != null) {
            perClass = perClass.mul(classWeights("crossEntropy", weight, logits));
        }
        return perClass.sum(1, false).neg();
    }

    /**
     * Negative log-likelihood of log-probabilities [N, C] (e.g. {@code logSoftmax(1)}) against class indices: the
     * mean of {@code -input[i, yᵢ]}. Composed; gradient {@code -1/N} at each picked entry.
     */
    public static Tensor nllLoss(Tensor logProbabilities, int[] labels) {
        return nllLoss(logProbabilities, labels, null, DEFAULT_IGNORE_INDEX);
    }

    /**
     * Negative log-likelihood with class weights and an ignored label, PyTorch's {@code nll_loss}:
     * {@code Σᵢ -w[yᵢ]·input[i, yᵢ] / Σᵢ w[yᵢ]} over the rows whose label is not {@code ignoreIndex}.
     *
     * @param weight [C] class weights (constants), or null for all 1
     */
    /** {@link #nllLoss(Tensor, int[])} with the labels as an int32 tensor of N class indices. */
    public static Tensor nllLoss(Tensor logProbabilities, Tensor labels) {
        return nllLoss(logProbabilities, labels("nllLoss", labels), null, DEFAULT_IGNORE_INDEX);
    }

    /** The class indices of an int32 label tensor [N] (bool or float labels are refused: they are not indices). */
    private static int[] labels(String op, Tensor labels) {
        if (labels.dtype() != DType.INT32 || labels.rank() != 1) {
            throw new IllegalArgumentException(op + ": class labels must be a 1-D int32 tensor, got "
                    + Shape.str(labels.shapeRef()) + " " + labels.dtype() + "; for indices in a float tensor use "
                    + ".to(DType.INT32)");
        }
        return labels.toIntArray();
    }

    public static Tensor nllLoss(Tensor logProbabilities, int[] labels, Tensor weight, int ignoreIndex) {
        LabelWeights k = LabelWeights.of("nllLoss", logProbabilities, labels, weight, ignoreIndex, 0);
        return k.mean("nllLoss", k.perRow(logProbabilities), ignoreIndex);
    }

    /** The per-row terms {@code -w[yᵢ]·input[i, yᵢ]} of {@link #nllLoss(Tensor, int[], Tensor, int)}, 0 if ignored. */
    public static Tensor nllLossUnreduced(Tensor logProbabilities, int[] labels, Tensor weight, int ignoreIndex) {
        return LabelWeights.of("nllLoss", logProbabilities, labels, weight, ignoreIndex, 0).perRow(logProbabilities);
    }

    /**
     * The constant K [N, C] of the class-index losses (K[i,c] = (1-ε)·w[yᵢ]·[c = yᵢ] + (ε/C)·w[c], zero rows where
     * the label is ignored) and the weighted count Σᵢ w[yᵢ] that their mean divides by.
     */
    private record LabelWeights(Tensor k, double total) {
        static LabelWeights of(String op, Tensor scores, int[] labels, Tensor weight, int ignoreIndex,
                double smoothing) {
            requireClassScores(op, scores);
            int n = scores.shapeRef()[0];
            int c = scores.shapeRef()[1];
            if (labels.length != n) {
                throw new IllegalArgumentException(op + ": " + labels.length + " labels for " + n + " rows of "
                        + Shape.str(scores.shapeRef()) + "; expected one label per row");
            }
            double[] w = weight == null ? null : classWeights(op, weight, scores).toDoubleArray();
            double[] k = new double[n * c];
            double total = 0;
            for (int i = 0; i < n; i++) {
                int y = labels[i];
                if (y == ignoreIndex) {
                    continue;
                }
                if (y < 0 || y >= c) {
                    throw new IllegalArgumentException(op + ": label " + y + " at row " + i + " is out of range for "
                            + c + " classes (expected 0 to " + (c - 1) + ", or the ignoreIndex " + ignoreIndex + ")");
                }
                double wy = w == null ? 1 : w[y];
                k[i * c + y] += (1 - smoothing) * wy;
                for (int j = 0; smoothing > 0 && j < c; j++) {
                    k[i * c + j] += smoothing / c * (w == null ? 1 : w[j]);
                }
                total += wy;
            }
            return new LabelWeights(Tensor.of(scores.dtype(), k, n, c), total);
        }

        /** ℓᵢ = -Σ_c K[i,c]·logp[i,c]. */
        Tensor perRow(Tensor logp) {
            return logp.mul(k).sum(1, false).neg();
        }

        Tensor mean(String op, Tensor perRow, int ignoreIndex) {
            if (total == 0) {
                throw new IllegalArgumentException(op + ": no row counts (every label is the ignoreIndex "
                        + ignoreIndex + ", or their class weights sum to 0), so the weighted mean is 0/0; skip this "
                        + "batch or reduce with SUM");
            }
            return perRow.sum().div(total);
        }
    }

    private static Tensor classWeights(String op, Tensor weight, Tensor scores) {
        int c = scores.shapeRef()[1];
        if (weight.rank() != 1 || weight.shapeRef()[0] != c) {
            throw new IllegalArgumentException(op + ": class weights " + Shape.str(weight.shapeRef()) + " for scores "
                    + Shape.str(scores.shapeRef()) + "; expected one weight per class, shape [" + c + "]");
        }
        return weight.detach().to(scores.dtype());
    }

    private static void requireClassScores(String op, Tensor scores) {
        if (scores.rank() != 2) {
            throw new IllegalArgumentException(op + ": expects class scores of shape [N, C], got "
                    + Shape.str(scores.shapeRef()));
        }
    }

    private static void checkSmoothing(String op, double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException(op + ": labelSmoothing must be in [0, 1), got " + labelSmoothing);
        }
    }

    /** Mean squared error: mean((prediction - target)²); shapes must be equal. Composed, no rule of its own. */
    public static Tensor mse(Tensor prediction, Tensor target) {
        requireSameShape("mse", prediction, target);
        Tensor d = prediction.sub(target);
        return d.mul(d).mean();
    }

    /**
     * Binary cross-entropy on logits: mean of {@code max(x,0) - x·t + log(1 + e^-|x|)}, which equals
     * {@code -[t·log σ(x) + (1-t)·log(1-σ(x))]} without overflow. Gradient: {@code (σ(x) - t)/n} for x and
     * {@code -x/n} for t.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        requireSameShape("binaryCrossEntropyWithLogits", input, target);
        DType dtype = TypePromotion.resultType(input, target);
        Tensor logits = input.to(dtype), targets = target.to(dtype);
        Tensor perElement;
        try (Scope s = Tape.noGrad()) {
            perElement = logits.relu().sub(logits.mul(targets))
                    .add(logits.abs().neg().exp().constant(UnaryFn.LOG1P, 0, 0));
        }
        int n = logits.numel();
        Tensor loss = Tensor.scalar(logits.dtype(), perElement.dtype().kernels().sum(perElement.contiguousData()) / n);
        return record("binaryCrossEntropyWithLogits", loss, (g, needs) -> new Tensor[] {
                needs[0] ? logits.sigmoid().sub(targets).mul(g.div(n)) : null,
                needs[1] ? logits.neg().mul(g.div(n)) : null},
                t -> ForwardRule.sum(t[0] == null ? null : logits.sigmoid().sub(targets).mul(t[0]).sum(),
                        t[1] == null ? null : logits.neg().mul(t[1]).sum()).div(n), logits, targets);
    }

    /**
     * Binary cross-entropy on logits with a weight on the positive term, PyTorch's {@code pos_weight}: the mean of
     * {@code -[p·t·log σ(x) + (1-t)·log(1-σ(x))]}, computed as {@code (1-t)·x + (1 + (p-1)·t)·softplus(-x)}.
     * Composed from softplus; its gradients follow.
     *
     * @param posWeight broadcast against the logits (typically [C], one per class along the last dimension);
     *                  a constant, not differentiated
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Tensor posWeight) {
        return binaryCrossEntropyWithLogitsUnreduced(logits, targets, posWeight).mean();
    }

    /**
     * The per-element terms of {@link #binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor)}; posWeight null for
     * none ({@code max(x,0) - x·t + log(1 + e^-|x|)}, written as {@code (1-t)·x + softplus(-x)}).
     */
    public static Tensor binaryCrossEntropyWithLogitsUnreduced(Tensor logits, Tensor targets, Tensor posWeight) {
        requireSameShape("binaryCrossEntropyWithLogits", logits, targets);
        Tensor softplus = logits.neg().softplus();
        if (posWeight == null) {
            return targets.neg().add(1).mul(logits).add(softplus);
        }
        if (!Shape.broadcastsTo(posWeight.shapeRef(), logits.shapeRef())) {
            throw new IllegalArgumentException("binaryCrossEntropyWithLogits: posWeight "
                    + Shape.str(posWeight.shapeRef())
                    + " cannot be broadcast to the logits " + Shape.str(logits.shapeRef())
                    + "; give one weight per class along the last dimension");
        }
        Tensor p = posWeight.detach().to(logits.dtype());
        Tensor logWeight = targets.mul(p.sub(1)).add(1);
        return targets.neg().add(1).mul(logits).add(logWeight.mul(softplus));
    }

    /**
     * Kullback-Leibler divergence, PyTorch's {@code kl_div}: {@code input} holds log-probabilities and the result
     * is the mean over all elements of {@code t·(log t - input)} (0 where t = 0), or with {@code logTarget} (the
     * target given as log-probabilities too) of {@code e^t·(t - input)}. PyTorch's default "mean" divides by every
     * element; the KL divergence per sample is the sum divided by N ({@code KlDivLoss} with BATCHMEAN). Composed;
     * gradient {@code -t/n} for the input.
     */
    public static Tensor klDiv(Tensor input, Tensor target, boolean logTarget) {
        return klDivUnreduced(input, target, logTarget).mean();
    }

    /** The per-element terms of {@link #klDiv}, for the reductions of {@code KlDivLoss}. */
    public static Tensor klDivUnreduced(Tensor input, Tensor target, boolean logTarget) {
        requireSameShape("klDiv", input, target);
        if (logTarget) {
            return target.exp().mul(target.sub(input));
        }
        // t·log t is taken as 0 where t = 0 (its limit), by selection: 0·log 0 would be NaN
        Tensor positive = target.detach().constant(UnaryFn.GREATER, 0, 0);
        return ArithmeticOps.keep(target.mul(target.log()), positive).sub(target.mul(input));
    }

    /**
     * PyTorch's {@code cosine_embedding_loss}: per row i, {@code 1 - cos(aᵢ, bᵢ)} where {@code yᵢ = 1} and
     * {@code max(0, cos(aᵢ, bᵢ) - margin)} where {@code yᵢ = -1}, with
     * {@code cos = Σ a·b / √((Σa² + 1e-12)·(Σb² + 1e-12))} along the last dimension; the mean over rows.
     *
     * @param a      [N, D] or [D], not modified
     * @param b      the same shape as a
     * @param target [N] (or [] for one pair) of 1 and -1, a float tensor
     * @param margin in [-1, 1]; PyTorch suggests 0 to 0.5
     */
    public static Tensor cosineEmbeddingLoss(Tensor a, Tensor b, Tensor target, double margin) {
        return cosineEmbeddingLossUnreduced(a, b, target, margin).mean();
    }

    /** The per-row terms of {@link #cosineEmbeddingLoss}, for the reductions of {@code CosineEmbeddingLoss}. */
    public static Tensor cosineEmbeddingLossUnreduced(Tensor a, Tensor b, Tensor target, double margin) {
        requireSameShape("cosineEmbeddingLoss", a, b);
        if (a.rank() != 1 && a.rank() != 2) {
            throw new IllegalArgumentException("cosineEmbeddingLoss: expects inputs [N, D] or [D], got "
                    + Shape.str(a.shapeRef()));
        }
        int[] rows = a.rank() == 2 ? new int[] {a.shapeRef()[0]} : new int[0];
        if (!Arrays.equals(target.shapeRef(), rows)) {
            throw new IllegalArgumentException("cosineEmbeddingLoss: target " + Shape.str(target.shapeRef())
                    + " for inputs " + Shape.str(a.shapeRef()) + "; expected one 1 or -1 per row, shape "
                    + Shape.str(rows));
        }
        double[] y = target.toDoubleArray();
        double[] similar = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            if (y[i] != 1 && y[i] != -1) {
                throw new IllegalArgumentException("cosineEmbeddingLoss: target " + y[i] + " at row " + i
                        + "; expected 1 (similar) or -1 (dissimilar)");
            }
            similar[i] = y[i] == 1 ? 1 : 0;
        }
        int d = a.rank() - 1;
        double eps = 1e-12;
        Tensor cos = a.mul(b).sum(d, false).div(a.mul(a).sum(d, false).add(eps).mul(b.mul(b).sum(d, false).add(eps))
                .sqrt());
        Tensor mask = Tensor.of(a.dtype(), similar, rows);
        return Tensor.where(mask, cos.neg().add(1), cos.sub(margin).clamp(0, Double.POSITIVE_INFINITY));
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shapeRef(), b.shapeRef())) {
            throw new IllegalArgumentException(op + ": prediction " + Shape.str(a.shapeRef()) + " and target "
                    + Shape.str(b.shapeRef()) + " differ in shape");
        }
    }
}
