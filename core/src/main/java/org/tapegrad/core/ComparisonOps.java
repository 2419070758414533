package org.tapegrad.core;

import org.tapegrad.core.internal.kernel.BinaryFn;

/**
 * Comparisons and logical operations, returning bool tensors: {@code eq ne lt le gt ge} with broadcasting, across
 * dtypes by comparing promoted values ({@link TypePromotion#resultType}), and {@code logicalAnd/Or/Not}, which read
 * any dtype as nonzero = true (as PyTorch). None of them is differentiable (their outputs are piecewise constant),
 * so nothing is recorded.
 */
final class ComparisonOps {
    private ComparisonOps() {
    }

    /** fn(a, b) element-wise, broadcasting, as a bool tensor: 1 where the comparison holds. */
    static Tensor compare(BinaryFn fn, Tensor x, Tensor y) {
        DType common = TypePromotion.resultType(x, y);
        Tensor a = x.detach().to(common), b = y.detach().to(common);
        return ArithmeticOps.constant(fn, a, b).to(DType.BOOL);
    }

    /** fn(x, s) against a Java double, read as a rank-0 float64 tensor (so it never promotes a float32 tensor). */
    static Tensor compare(BinaryFn fn, Tensor x, double s) {
        return compare(fn, x, Tensor.scalar(DType.FLOAT64, s));
    }

    /** a ∧ b: true where both are nonzero, broadcasting. */
    static Tensor logicalAnd(Tensor a, Tensor b) {
        return ArithmeticOps.constant(BinaryFn.MIN, a.detach().to(DType.BOOL), b.detach().to(DType.BOOL));
    }

    /** a ∨ b: true where either is nonzero, broadcasting. */
    static Tensor logicalOr(Tensor a, Tensor b) {
        return ArithmeticOps.constant(BinaryFn.MAX, a.detach().to(DType.BOOL), b.detach().to(DType.BOOL));
    }

    /** ¬a: true where a is zero. */
    static Tensor logicalNot(Tensor a) {
        return compare(BinaryFn.EQ, a, Tensor.zeros(DType.BOOL));
    }
}
