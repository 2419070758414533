package org.tapegrad.core;

import java.util.Objects;
import org.ejml.data.FMatrixRMaj;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.gemm.MatmulKernel;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * A linear layer's weight laid out once for the installed matrix kernel, for inference: every product
 * {@code x·wᵀ} otherwise starts by packing {@code wᵀ} into the kernel's panel order (for the MNIST MLP, about a
 * sixth of an inference batch's time), and a weight that does not change between batches needs that only once.
 * oneDNN's pre-packed weights and PyTorch's frozen inference graphs do the same.
 *
 * <pre>{@code
 * PackedWeight packed = PackedWeight.of(weight);       // a copy of the weight, in the kernel's layout
 * try (var noGrad = Tape.noGrad()) {
 *     for (Tensor x : batches) {
 *         Tensor y = packed.linear(x, bias);           // = Tensor.linear(x, weight, bias)
 *     }
 * }
 * }</pre>
 *
 * <p>The packed copy is current while the weight keeps the version it had when packed (an optimizer step,
 * {@code copyFrom} or {@link Tensor#markModified()} changes it) and the same kernel is installed; {@link #isCurrent()}
 * says so, and {@link #linear} refuses a stale one. It gives the same values as {@link Tensor#linear} (the same
 * kernel with the same panels, so the same bits). Inside a recording, with a tensor that requires grad, it computes
 * {@link Tensor#linear} instead so that the product is recorded. Immutable: threads may share one.
 */
public final class PackedWeight {
    private final Tensor weight;
    private final int version;
    private final MatmulKernel kernel;
    /** Null when the kernel has no packed form or the weight is not float32: products then pack as usual. */
    private final MatmulKernel.Packed packed;

    private PackedWeight(Tensor weight, int version, MatmulKernel kernel, MatmulKernel.Packed packed) {
        this.weight = weight;
        this.version = version;
        this.kernel = kernel;
        this.packed = packed;
    }

    /**
     * Packs {@code weight} ({@code [out, in]}, as {@link Tensor#linear} takes it) for the installed kernel.
     *
     * @throws IllegalArgumentException when the weight is not 2-D
     */
    public static PackedWeight of(Tensor weight) {
        Objects.requireNonNull(weight, "weight");
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("PackedWeight: expects a weight [out, in], got "
                    + Shape.str(weight.shapeRef()));
        }
        MatmulKernel kernel = Matmul.kernel();
        int version = weight.storage().version;
        MatmulKernel.Packed packed = weight.dtype() == DType.FLOAT32
                ? kernel.pack((FMatrixRMaj) weight.contiguousData(), true) : null;
        return new PackedWeight(weight, version, kernel, packed);
    }

    /** The weight this was packed from. */
    public Tensor weight() {
        return weight;
    }

    /** True while the weight is unchanged since it was packed and the same kernel is installed. */
    public boolean isCurrent() {
        return weight.storage().version == version && Matmul.kernel() == kernel;
    }

    /**
     * {@code y = x·wᵀ + b}, as {@link Tensor#linear}{@code (x, weight(), bias)}, for x [N, in] or [..., in].
     *
     * @param bias {@code [out]}, or null
     * @throws IllegalStateException when the weight changed since it was packed (pack it again)
     */
    public Tensor linear(Tensor x, Tensor bias) {
        if (!isCurrent()) {
            throw new IllegalStateException("PackedWeight.linear: the weight " + Shape.str(weight.shapeRef())
                    + (weight.storage().version != version ? " changed since it was packed" : " was packed for another kernel")
                    + "; pack it again with PackedWeight.of(weight)");
        }
        if (x.rank() != 2) {
            return MatmulOps.onRows(x, weight, rows -> linear(rows, bias));
        }
        boolean recorded = GradState.get().recording()
                && (x.requiresGrad() || weight.requiresGrad() || bias != null && bias.requiresGrad());
        if (packed == null || recorded || TypePromotion.resultType(x, weight, bias) != DType.FLOAT32) {
            return MatmulOps.linear(x, weight, bias);
        }
        return MatmulOps.linearPacked(x, weight, kernel, packed, bias);
    }

    @Override
    public String toString() {
        return "PackedWeight(" + Shape.str(weight.shapeRef()) + (isCurrent() ? "" : ", stale") + ")";
    }
}
