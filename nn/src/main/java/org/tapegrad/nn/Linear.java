package org.tapegrad.nn;

import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.PackedWeight;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Fully connected layer {@code y = x·Wᵀ + b} on input [N, in] (or [..., in] of any rank, the leading dimensions
 * as rows), with weight W [out, in] (PyTorch's layout) and bias b [out]. Default initialisation as PyTorch:
 * W ~ kaiming uniform with a = √5, which is U(-1/√in, 1/√in), and b ~ U(-1/√in, 1/√in).
 *
 * <p>In eval mode and outside a recording (inference), the layer keeps its weight packed for the matrix kernel
 * ({@link PackedWeight}: a copy as large as the weight, made on the first such forward and again after the weight
 * changes), so that each batch skips that packing. The values are the same; training mode drops the copy. A weight
 * changed directly through its {@code float32Matrix()} must be marked with {@code markModified()}, as the optimizers
 * do, or inference keeps using the old values.
 */
public class Linear extends Layer {
    private final int inFeatures;
    private final int outFeatures;
    private final Tensor weight;
    private final Tensor bias;
    /** The weight packed for inference, or null (see the class comment). Immutable, so threads may share it. */
    private volatile PackedWeight packed;

    /** A layer with bias, initialised from {@code rng} (weight first, then bias). */
    public Linear(int inFeatures, int outFeatures, RandomGenerator rng) {
        this(inFeatures, outFeatures, true, rng);
    }

    /** A layer with bias, initialised from {@link Seed#random()}. */
    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true, Seed.random());
    }

    /** A layer with or without bias, initialised from {@link Seed#random()}. */
    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this(inFeatures, outFeatures, bias, Seed.random());
    }

    /** A layer with or without bias, initialised from {@code rng} (weight first, then bias). */
    public Linear(int inFeatures, int outFeatures, boolean bias, RandomGenerator rng) {
        this(inFeatures, outFeatures, bias, rng, DType.FLOAT32);
    }

    /**
     * A layer whose parameters have the given dtype (float64 for gradient checks), initialised from {@code rng}
     * with the same draws as the float32 layer.
     */
    public Linear(int inFeatures, int outFeatures, boolean bias, RandomGenerator rng, DType dtype) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: in and out features must be positive, got " + inFeatures
                    + " and " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Init.kaimingUniform(Tensor.zeros(dtype, outFeatures, inFeatures),
                Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, rng));
        double bound = 1 / Math.sqrt(inFeatures);
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(dtype, outFeatures), -bound, bound, rng)) : null;
    }

    /** The weight [out, in]. */
    public Tensor weight() {
        return weight;
    }

    /** The packed weight inference uses now, or null (for tests). */
    PackedWeight packedWeight() {
        return packed;
    }

    /** The bias [out], or null for a layer without one. */
    public Tensor bias() {
        return bias;
    }

    /** {@code x·Wᵀ + b} for x [N, in], or [..., in] of any rank (features last), giving [..., out]. */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() == 0 || input.size(-1) != inFeatures) {
            throw new IllegalArgumentException("Linear: expected input [..., " + inFeatures + "] (features last), got "
                    + java.util.Arrays.toString(input.shape()));
        }
        if (isTraining() || Tape.isRecording()) {
            if (packed != null) {
                packed = null;
            }
            return Tensor.linear(input, weight, bias);
        }
        PackedWeight p = packed;
        if (p == null || !p.isCurrent()) {
            packed = p = PackedWeight.of(weight);
        }
        return p.linear(input, bias);
    }

    @Override
    protected String extraRepr() {
        return "in=" + inFeatures + ", out=" + outFeatures + ", bias=" + (bias != null);
    }
}
