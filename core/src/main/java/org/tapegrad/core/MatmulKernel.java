package org.tapegrad.core;

import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;

/**
 * General matrix multiplication, the one place every matrix product of every op goes through:
 * {@code c = op(a)·op(b)}, or {@code c += op(a)·op(b)} when {@code accumulate}, where {@code op(m)} is {@code m}
 * or its transpose. The three products of a linear layer (forward {@code x·W}, backward {@code g·Wᵀ} and
 * {@code xᵀ·g}) are all of this form, so none of them copies a transpose.
 *
 * <p>The default is {@link EjmlMatmul}; a faster implementation is installed with {@link Matmul#use}, without
 * touching any op or backward rule.
 *
 * <p>{@code a} and {@code b}: not modified. {@code c}: modified; already shaped to the product, and never the
 * same object as {@code a} or {@code b}.
 */
public interface MatmulKernel {

    void gemm(DMatrixRMaj a, boolean transposeA, DMatrixRMaj b, boolean transposeB, DMatrixRMaj c,
            boolean accumulate);

    void gemm(FMatrixRMaj a, boolean transposeA, FMatrixRMaj b, boolean transposeB, FMatrixRMaj c,
            boolean accumulate);

    /** A short name for logs and benchmark reports. */
    String name();
}
