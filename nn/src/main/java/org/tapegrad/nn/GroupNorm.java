package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/**
 * Group normalisation (Wu and He 2018), PyTorch's {@code nn.GroupNorm}: the C channels of an [N, C, *] input are split
 * into G groups of C/G consecutive channels, and each sample's group is normalised over its channels and positions,
 * {@code y = (x - μ) / √(σ² + eps) · γ[c] + β[c]} with the biased σ², and per-channel γ (ones, named
 * {@code weight}) and β (zeros, {@code bias}). It does not depend on the batch: one group is LayerNorm over
 * (C, *) without its per-element affine, C groups are InstanceNorm. Composed from core ops.
 */
public class GroupNorm extends Layer {
    private final int numGroups;
    private final int numChannels;
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    /** G groups over C channels, eps 1e-5, with affine γ and β. */
    public GroupNorm(int numGroups, int numChannels) {
        this(numGroups, numChannels, 1e-5, true);
    }

    /**
     * @param numGroups   G, dividing numChannels
     * @param numChannels C, the input's dimension 1
     * @param eps         added to the variance for stability
     * @param affine      learn γ and β
     */
    public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
        if (numGroups <= 0 || numChannels <= 0 || numChannels % numGroups != 0 || !(eps > 0)) {
            throw new IllegalArgumentException("GroupNorm: numChannels " + numChannels + " must be a positive multiple"
                    + " of numGroups " + numGroups + ", and eps > 0 (got " + eps + ")");
        }
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.weight = affine ? registerParameter("weight", Tensor.ones(numChannels)) : null;
        this.bias = affine ? registerParameter("bias", Tensor.zeros(numChannels)) : null;
    }

    /** γ [C], or null without affine. */
    public Tensor weight() {
        return weight;
    }

    /** β [C], or null without affine. */
    public Tensor bias() {
        return bias;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() < 2 || input.size(1) != numChannels) {
            throw new IllegalArgumentException("GroupNorm: expected input [N, " + numChannels + ", *], got "
                    + Arrays.toString(input.shape()));
        }
        return groupNorm(input, numGroups, weight, bias, eps);
    }

    /**
     * The functional form, {@code torch.nn.functional.group_norm}: normalises x [N, C, *] over each sample's groups of
     * C/G channels, then multiplies by {@code weight} [C] and adds {@code bias} [C] along dimension 1 (either may be
     * null; not modified).
     */
    public static Tensor groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        int[] shape = x.shape();
        if (shape.length < 2 || numGroups <= 0 || shape[1] % numGroups != 0) {
            throw new IllegalArgumentException("groupNorm: expected an input [N, C, *] with C divisible by " + numGroups
                    + " groups, got " + Arrays.toString(shape));
        }
        Tensor groups = x.reshape(shape[0], numGroups, -1);
        Tensor d = groups.sub(groups.mean(2, true));
        Tensor var = d.mul(d).mean(2, true);
        Tensor y = d.div(var.add(eps).sqrt()).reshape(shape);
        int[] perChannel = new int[shape.length]; // [1, C, 1, ...], broadcast along every other dimension
        Arrays.fill(perChannel, 1);
        perChannel[1] = shape[1];
        if (weight != null) {
            y = y.mul(weight.reshape(perChannel));
        }
        return bias == null ? y : y.add(bias.reshape(perChannel));
    }

    @Override
    protected String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + eps + ", affine=" + (weight != null);
    }
}
