package org.tapegrad.core;

import org.tapegrad.core.internal.kernel.CellKernels;
import org.tapegrad.core.internal.kernel.Float32CellKernels;
import org.tapegrad.core.internal.kernel.Float32Kernels;
import org.tapegrad.core.internal.kernel.Float64CellKernels;
import org.tapegrad.core.internal.kernel.Float64Kernels;
import org.tapegrad.core.internal.kernel.Kernels;

/**
 * Element type of a {@link Tensor}.
 *
 * <p>{@link #FLOAT32} is the default and the speed path (storage: EJML {@code FMatrixRMaj}); {@link #FLOAT64}
 * is for gradient checks and for users who need the precision (storage: EJML {@code DMatrixRMaj}). A factory
 * given no dtype makes float32, and an op on both computes in float64 (PyTorch's type promotion).
 *
 * <p>{@link #INT32} (indices, labels) and {@link #BOOL} (masks, comparison results) keep the tensor EJML-backed and
 * reuse the float kernels exactly: an int32 value is stored as a double (every int32 is exact in a double, and
 * every sum, difference or product of two of them that fits in int32 is computed exactly), a bool as 0 or 1 in a
 * float. {@link #itemSize()} reports the logical size, as PyTorch. Integer and boolean tensors never require grad;
 * which ops accept them, and what they promote to, is decided in one place ({@code TypePromotion}).
 */
public enum DType {
    FLOAT32("float32", Float.BYTES, Float32Kernels.INSTANCE, Float32CellKernels.INSTANCE, true),
    FLOAT64("float64", Double.BYTES, Float64Kernels.INSTANCE, Float64CellKernels.INSTANCE, true),
    /** 32-bit signed integers, stored exactly as doubles (EJML {@code DMatrixRMaj}). */
    INT32("int32", Integer.BYTES, Float64Kernels.INSTANCE, Float64CellKernels.INSTANCE, false),
    /** true/false, stored as 1/0 in floats (EJML {@code FMatrixRMaj}). */
    BOOL("bool", 1, Float32Kernels.INSTANCE, Float32CellKernels.INSTANCE, false);

    private final String displayName;
    private final int itemSize;
    private final Kernels kernels;
    private final CellKernels cellKernels;
    private final boolean floatingPoint;

    DType(String displayName, int itemSize, Kernels kernels, CellKernels cellKernels, boolean floatingPoint) {
        this.displayName = displayName;
        this.itemSize = itemSize;
        this.kernels = kernels;
        this.cellKernels = cellKernels;
        this.floatingPoint = floatingPoint;
    }

    /**
     * Bytes per element as PyTorch's {@code dtype.itemsize} reports them: 4 for float32 and int32, 8 for float64,
     * 1 for bool (the logical size; int32 and bool are held in double and float storage).
     */
    public int itemSize() {
        return itemSize;
    }

    /** True for float32 and float64, the dtypes that can require grad (PyTorch's {@code is_floating_point}). */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The float dtype whose storage this dtype uses: itself for float32 and float64, float64 for int32, float32
     *  for bool. */
    DType storage() {
        return kernels.dtype();
    }

    /** The loops that compute on storage of this type. */
    Kernels kernels() {
        return kernels;
    }

    /** The fused recurrent cells' element-wise passes on storage of this type. */
    CellKernels cellKernels() {
        return cellKernels;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
