package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.Arrays;

/**
 * Loss functions on tensors, mean-reduced to a scalar (the functional form; {@code org.tapegrad.nn} wraps them
 * in modules with more options).
 */
public final class Losses {
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
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets) {
        requireSameShape("binaryCrossEntropyWithLogits", logits, targets);
        Tensor perElement;
        try (Scope s = Tape.noGrad()) {
            perElement = logits.relu().sub(logits.mul(targets))
                    .add(logits.abs().neg().exp().constant(UnaryFn.LOG1P, 0, 0));
        }
        int n = logits.numel();
        Tensor loss = Tensor.scalar(logits.dtype(), perElement.dtype().kernels().sum(perElement.contiguousData()) / n);
        return record("binaryCrossEntropyWithLogits", loss, (g, needs) -> new Tensor[] {
                needs[0] ? logits.sigmoid().sub(targets).mul(g.div(n)) : null,
                needs[1] ? logits.neg().mul(g.div(n)) : null}, logits, targets);
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        a.checkSameDtype(op, b);
        if (!Arrays.equals(a.shapeRef(), b.shapeRef())) {
            throw new IllegalArgumentException(op + ": prediction " + Shape.str(a.shapeRef()) + " and target "
                    + Shape.str(b.shapeRef()) + " differ in shape");
        }
    }
}
