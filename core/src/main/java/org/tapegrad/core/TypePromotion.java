package org.tapegrad.core;

/**
 * The dtype in which an op on several tensors computes, PyTorch's {@code torch.result_type}: float32 op float64 is
 * float64. As in PyTorch, a rank-0 tensor does not promote a tensor with dimensions ({@code x32.mul(scalar64)} stays
 * float32), and a Java {@code double} passed to an op ({@code x.mul(2.0)}) never promotes (it is not a tensor).
 *
 * <p>Every op that combines tensors (element-wise arithmetic, maximum/minimum, where, matmul, linear, convolutions,
 * concat, the losses) converts its inputs with {@link Tensor#to} to this dtype before computing. The conversion is
 * recorded, so the gradient of each input arrives in that input's own dtype (the rule of {@code to} converts it
 * back). Unlike PyTorch, which refuses mixed dtypes in matmul, linear and convolutions, those promote here too: one
 * rule for every op. In-place updates never round down implicitly: {@link Tensor#addInPlace} refuses to write
 * float64 values into a float32 tensor.
 */
final class TypePromotion {
    private TypePromotion() {
    }

    /**
     * The common dtype of {@code tensors} (nulls, such as an absent bias, are skipped): float64 when a tensor with
     * dimensions is float64, or, when every tensor has rank 0, when any of them is; float32 otherwise.
     */
    static DType resultType(Tensor... tensors) {
        boolean anyDimensioned = false;
        for (Tensor t : tensors) {
            anyDimensioned |= t != null && t.rank() > 0;
        }
        for (Tensor t : tensors) {
            if (t != null && (t.rank() > 0 || !anyDimensioned) && t.dtype() == DType.FLOAT64) {
                return DType.FLOAT64;
            }
        }
        return DType.FLOAT32;
    }

    /**
     * {@code source} as an in-place update of {@code target} reads it: as it is when the dtypes agree, converted
     * (exactly, not recorded) when {@code target} is float64 and {@code source} float32.
     *
     * @throws IllegalArgumentException when {@code target} is float32 and {@code source} float64: writing would
     *                                  round every value, so the caller converts one of them explicitly
     */
    static Tensor forInPlace(String op, Tensor target, Tensor source) {
        if (source.dtype() == target.dtype()) {
            return source;
        }
        if (target.dtype() == DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": cannot write " + source.dtype() + " values into this "
                    + target.dtype() + " tensor in place, which would round them; convert the source with "
                    + ".to(DType.FLOAT32), or make the target float64 with .to(DType.FLOAT64)");
        }
        return source.detach().to(target.dtype());
    }

    /** {@code t} converted to {@code dtype} (recorded), or null for null (an absent optional input). */
    static Tensor to(Tensor t, DType dtype) {
        return t == null ? null : t.to(dtype);
    }
}
