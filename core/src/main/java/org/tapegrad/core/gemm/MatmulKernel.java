package org.tapegrad.core.gemm;

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

    /** A float32 {@code op(b)} laid out once by {@link #pack} for many products with the same {@code b}. */
    interface Packed {
        /** Rows of {@code op(b)} (the products' inner dimension). */
        int rows();

        /** Columns of {@code op(b)} (the products' output columns). */
        int cols();
    }

    /**
     * {@code op(b)} laid out for this kernel's inner loop, so that products with it (see
     * {@link #gemm(FMatrixRMaj, boolean, Packed, FMatrixRMaj, boolean)}) skip the packing that every product
     * otherwise repeats: worth it for a layer's weight at inference. The result is a copy: later changes to
     * {@code b} do not reach it. Returns null when this kernel has no packed form (the default).
     */
    default Packed pack(FMatrixRMaj b, boolean transposeB) {
        return null;
    }

    /**
     * How many floats {@link #pack(FMatrixRMaj, boolean, float[])} needs for an {@code op(b)} of {@code rows x cols};
     * 0 when this kernel has no packed form (the default).
     */
    default int packedLength(int rows, int cols) {
        return 0;
    }

    /**
     * {@link #pack(FMatrixRMaj, boolean)} into storage the caller lends (at least {@link #packedLength} floats, for
     * instance from a workspace step), so that packing a weight once per call of an op allocates nothing. The
     * result reads {@code into}: it is valid while the caller keeps that storage unchanged.
     *
     * @throws IllegalArgumentException when {@code into} is too short
     */
    default Packed pack(FMatrixRMaj b, boolean transposeB, float[] into) {
        return null;
    }

    /**
     * {@code c = op(a)·b} (or {@code c += op(a)·b}) for a {@code b} packed by this kernel's {@link #pack}.
     *
     * @throws IllegalArgumentException when {@code b} was packed by another kernel or the shapes do not match
     */
    default void gemm(FMatrixRMaj a, boolean transposeA, Packed b, FMatrixRMaj c, boolean accumulate) {
        throw new IllegalArgumentException(name() + " has no packed operands; this one was packed by another kernel");
    }
}
