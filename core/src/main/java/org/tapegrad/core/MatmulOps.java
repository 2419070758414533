package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

/** The matrix product, through the installed {@link MatmulKernel}. */
final class MatmulOps {
    private MatmulOps() {
    }

    /**
     * c = op(a)·op(b), op = transpose when asked. With c = a·b: dA = g·bᵀ, dB = aᵀ·g; the transposed cases follow
     * by transposing those, and every one is again a product of this form, so no transpose is ever copied.
     */
    static Tensor matmul(Tensor a, boolean ta, Tensor b, boolean tb) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul: expects 2-D tensors, got " + Shape.str(a.shapeRef()) + " x "
                    + Shape.str(b.shapeRef()));
        }
        a.checkSameDtype("matmul", b);
        int m = a.shapeRef()[ta ? 1 : 0];
        int ka = a.shapeRef()[ta ? 0 : 1];
        int kb = b.shapeRef()[tb ? 1 : 0];
        int n = b.shapeRef()[tb ? 0 : 1];
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shapeRef()) + (ta ? "ᵀ" : "") + " x "
                    + Shape.str(b.shapeRef()) + (tb ? "ᵀ" : "") + ": inner dimensions " + ka + " and " + kb + " differ");
        }
        Tensor c = Tensor.empty(a.dtype(), new int[] {m, n});
        a.dtype().kernels().gemm(a.data, ta, b.data, tb, c.data, false);
        return record("matmul", c, g -> new Tensor[] {
                !a.requiresGrad() ? null : ta ? matmul(b, tb, g, true) : matmul(g, false, b, !tb),
                !b.requiresGrad() ? null : tb ? matmul(g, true, a, ta) : matmul(a, !ta, g, false)}, a, b);
    }
}
