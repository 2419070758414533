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
 */
public enum DType {
    FLOAT32("float32", Float.BYTES, Float32Kernels.INSTANCE, Float32CellKernels.INSTANCE),
    FLOAT64("float64", Double.BYTES, Float64Kernels.INSTANCE, Float64CellKernels.INSTANCE);

    private final String displayName;
    private final int itemSize;
    private final Kernels kernels;
    private final CellKernels cellKernels;

    DType(String displayName, int itemSize, Kernels kernels, CellKernels cellKernels) {
        this.displayName = displayName;
        this.itemSize = itemSize;
        this.kernels = kernels;
        this.cellKernels = cellKernels;
    }

    /** Bytes per element (PyTorch's {@code dtype.itemsize}): 4 for float32, 8 for float64. */
    public int itemSize() {
        return itemSize;
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
