package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/**
 * Layer normalisation over the last dimensions (those of {@code normalizedShape}), per sample:
 * {@code y = (x - μ) / √(σ² + eps) · γ + β}, with μ and the biased σ² taken over those dimensions, and γ (ones), β
 * (zeros) of shape {@code normalizedShape}. Composed from core ops.
 */
public class LayerNorm extends Layer {
    private final int[] normalizedShape;
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    /** Normalises over trailing dimensions {@code normalizedShape}, eps 1e-5, with affine γ and β. */
    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, 1e-5, true);
    }

    /**
     * @param normalizedShape        the trailing shape normalised over
     * @param eps                    added to the variance for stability
     * @param elementwiseAffine      learn γ and β
     */
    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape.length == 0 || Arrays.stream(normalizedShape).anyMatch(d -> d <= 0) || !(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm: expected a non-empty shape of positive sizes and eps > 0, got "
                    + Arrays.toString(normalizedShape) + " and " + eps);
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = elementwiseAffine ? registerParameter("weight", Tensor.ones(normalizedShape)) : null;
        this.bias = elementwiseAffine ? registerParameter("bias", Tensor.zeros(normalizedShape)) : null;
    }

    /** γ, or null without affine. */
    public Tensor weight() {
        return weight;
    }

    /** β, or null without affine. */
    public Tensor bias() {
        return bias;
    }

    /** See the class description. */
    @Override
    public Tensor forward(Tensor input) {
        return layerNorm(input, normalizedShape, weight, bias, eps);
    }

    /**
     * The functional form, {@code torch.nn.functional.layer_norm}: normalises x over its trailing dimensions
     * {@code normalizedShape}, then multiplies by {@code weight} and adds {@code bias} (either may be null; not
     * modified).
     */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        int[] shape = x.shape();
        int k = normalizedShape.length;
        if (shape.length < k || !Arrays.equals(Arrays.copyOfRange(shape, shape.length - k, shape.length), normalizedShape)) {
            throw new IllegalArgumentException("LayerNorm: expected an input whose last dimensions are "
                    + Arrays.toString(normalizedShape) + ", got " + Arrays.toString(shape));
        }
        int features = 1;
        for (int d : normalizedShape) {
            features *= d;
        }
        Tensor rows = x.reshape(-1, features); // one row per normalised group
        Tensor d = rows.sub(rows.mean(1, true));
        Tensor var = d.mul(d).mean(1, true);
        Tensor y = d.div(var.add(eps).sqrt()).reshape(shape);
        if (weight != null) {
            y = y.mul(weight);
        }
        return bias == null ? y : y.add(bias);
    }

    @Override
    protected String extraRepr() {
        return Arrays.toString(normalizedShape) + ", eps=" + eps + ", elementwiseAffine=" + (weight != null);
    }
}
