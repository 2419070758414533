package org.tapegrad.core;

/**
 * Element type of a {@link Tensor}.
 *
 * <p>{@link #FLOAT32} is the default and the speed path (storage: EJML {@code FMatrixRMaj}); {@link #FLOAT64}
 * is for gradient checks and for users who need the precision (storage: EJML {@code DMatrixRMaj}). A factory
 * given no dtype makes float32, and an op on both computes in float64 (PyTorch's type promotion).
 */
public enum DType {
    FLOAT32("float32", Float32Kernels.INSTANCE, Float32CellKernels.INSTANCE),
    FLOAT64("float64", Float64Kernels.INSTANCE, Float64CellKernels.INSTANCE);

    private final String displayName;
    private final Kernels kernels;
    private final CellKernels cellKernels;

    DType(String displayName, Kernels kernels, CellKernels cellKernels) {
        this.displayName = displayName;
        this.kernels = kernels;
        this.cellKernels = cellKernels;
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
