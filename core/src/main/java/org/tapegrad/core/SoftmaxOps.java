package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import org.tapegrad.core.internal.kernel.Kernels;
import org.tapegrad.core.internal.kernel.Shape;

/** Softmax and log-softmax along a dimension, and the fused softmax cross-entropy. All subtract the maximum first. */
final class SoftmaxOps {
    private SoftmaxOps() {
    }

    /** y = e^(x-max) / Σ e^(x-max). dX = y·(g - Σ g·y). */
    static Tensor softmax(Tensor x, int dim) {
        int d = Shape.dim("softmax", dim, x.rank());
        Tensor y = along(x, d, false);
        return Autograd.recordSelfAdjoint("softmax", y, (g, needs) -> new Tensor[] {y.mul(g.sub(g.mul(y).sum(d, true)))},
                x);
    }

    /** y = x - max - log Σ e^(x-max). dX = g - e^y·Σ g. */
    static Tensor logSoftmax(Tensor x, int dim) {
        int d = Shape.dim("logSoftmax", dim, x.rank());
        Tensor y = along(x, d, true);
        return record("logSoftmax", y, (g, needs) -> new Tensor[] {g.sub(y.exp().mul(g.sum(d, true)))},
                t -> t[0].sub(y.exp().mul(t[0]).sum(d, true)), x);
    }

    private static Tensor along(Tensor x, int d, boolean log) {
        int[] s = x.shapeRef();
        Tensor y = Tensor.uninitializedOutput(x.dtype(), s);
        x.dtype().kernels().softmaxAlong(x.contiguousData(), Shape.outer(s, d), s[d], Shape.inner(s, d), y.matrix(),
                log);
        return y;
    }

    /**
     * Mean over rows of -log softmax(logits)[i, labels[i]], for logits [N, C]. The gradient is
     * g·(softmax(logits) - onehot(labels))/N, formed directly, never through the log of a probability.
     */
    static Tensor crossEntropy(Tensor logits, int[] labels) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("crossEntropy: expects logits of shape [N, C], got "
                    + Shape.str(logits.shapeRef()));
        }
        int n = logits.shapeRef()[0];
        int c = logits.shapeRef()[1];
        if (labels.length != n) {
            throw new IllegalArgumentException("crossEntropy: " + labels.length + " labels for " + n
                    + " rows of logits " + Shape.str(logits.shapeRef()));
        }
        if (n == 0) {
            throw new IllegalArgumentException("crossEntropy: the batch is empty");
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IllegalArgumentException("crossEntropy: label " + labels[i] + " at row " + i
                        + " is out of range for " + c + " classes (expected 0 to " + (c - 1) + ")");
            }
        }
        int[] y = labels.clone();
        Kernels k = logits.dtype().kernels();
        Tensor logp = along(logits, 1, true);
        Tensor loss = Tensor.scalar(logits.dtype(), -k.pickSum(logp.matrix(), c, y) / n);
        return record("crossEntropy", loss,
                (g, needs) -> new Tensor[] {probabilitiesMinusTargets(logits, y).mul(g.div(n))},
                t -> probabilitiesMinusTargets(logits, y).mul(t[0]).sum().div(n), logits);
    }

    /** softmax(logits) - onehot(labels), rows [N, C]: the loss's derivative with respect to the logits, times N. */
    private static Tensor probabilitiesMinusTargets(Tensor logits, int[] labels) {
        int c = logits.shapeRef()[1];
        Kernels k = logits.dtype().kernels();
        Tensor onehot = Tensor.output(logits.dtype(), logits.shapeRef());
        for (int i = 0; i < labels.length; i++) {
            k.set(onehot.matrix(), i * c + labels[i], 1);
        }
        return logits.softmax(1).sub(onehot);
    }
}
