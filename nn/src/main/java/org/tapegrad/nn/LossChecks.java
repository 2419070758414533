package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/** Argument checks and helpers shared by the losses. */
final class LossChecks {
    private LossChecks() {
    }

    /** An input [N, C] and N labels, each in [0, C). */
    static void checkLabels(String loss, Tensor input, int[] labels) {
        checkLabels(loss, input, labels, Integer.MIN_VALUE);
    }

    /** An input [N, C] and N labels, each in [0, C) or equal to {@code ignoreIndex}. */
    static void checkLabels(String loss, Tensor input, int[] labels, int ignoreIndex) {
        if (input.rank() != 2) {
            throw new IllegalArgumentException(loss + ": expected input [N, C] (one row of class scores per sample), got "
                    + Arrays.toString(input.shape()));
        }
        int n = input.size(0);
        int c = input.size(1);
        if (labels.length != n) {
            throw new IllegalArgumentException(loss + ": got " + labels.length + " labels for input "
                    + Arrays.toString(input.shape()) + "; expected one label per row (" + n + ")");
        }
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] < 0 || labels[i] >= c) && labels[i] != ignoreIndex) {
                throw new IllegalArgumentException(loss + ": label " + labels[i] + " at position " + i
                        + " is out of range; expected a class index in [0, " + c + ")"
                        + (ignoreIndex == Integer.MIN_VALUE ? "" : " or the ignoreIndex " + ignoreIndex));
            }
        }
    }

    /** Same shape, or an exception naming both. */
    static void checkSameShape(String loss, Tensor input, Tensor target) {
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException(loss + ": input " + Arrays.toString(input.shape()) + " and target "
                    + Arrays.toString(target.shape()) + " differ in shape; expected equal shapes");
        }
    }

    /** A constant [N, C] tensor with 1 at (i, labels[i]), in the input's dtype: picks each row's label entry. */
    static Tensor oneHot(Tensor input, int[] labels) {
        int c = input.size(1);
        double[] v = new double[labels.length * c];
        for (int i = 0; i < labels.length; i++) {
            v[i * c + labels[i]] = 1;
        }
        return Tensor.of(input.dtype(), v, labels.length, c);
    }

    /** {@code loss} itself when every value is finite, else an ArithmeticException naming the loss. */
    static Tensor checkFinite(String loss, Tensor value) {
        double[] v = value.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new ArithmeticException(loss + ": the loss" + (v.length > 1 ? " at position " + i : "") + " is "
                        + v[i] + "; expected a finite value (check the inputs for NaN or infinity, and probabilities"
                        + " for zeros)");
            }
        }
        return value;
    }

    static Reduction require(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException("loss: reduction must not be null (NONE, MEAN or SUM)");
        }
        if (reduction == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException("loss: BATCHMEAN is for KlDivLoss only; use MEAN (for a per-sample "
                    + "loss it is the same value)");
        }
        return reduction;
    }

    /** True when some label is {@code ignoreIndex}. */
    static boolean anyIgnored(int[] labels, int ignoreIndex) {
        for (int y : labels) {
            if (y == ignoreIndex) {
                return true;
            }
        }
        return false;
    }
}
