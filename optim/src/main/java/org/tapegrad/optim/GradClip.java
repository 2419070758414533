package org.tapegrad.optim;

import java.util.Objects;
import org.tapegrad.core.Tensor;

/**
 * Gradient clipping, in place on the {@code grad()} of each parameter (parameters without a gradient are skipped),
 * as PyTorch's {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. Call it between backward and
 * {@code optimizer.step()}.
 */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales all gradients together so that their global L2 norm is at most {@code maxNorm}:
     * {@code norm = √(Σ_p Σ_i g_pi²)}, {@code c = maxNorm / (norm + 1e-6)}, and if {@code c < 1} every gradient is
     * multiplied by c. A non-finite norm is returned and, as in PyTorch, the gradients are still scaled (to NaN or
     * 0); check the result or use {@link Optimizer#setSkipNonFinite}.
     *
     * @param params  the parameters whose gradients are clipped. Their gradients are modified.
     * @param maxNorm the largest allowed norm, &gt;= 0
     * @return the global norm before clipping (0 when no parameter has a gradient)
     */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm) {
        Objects.requireNonNull(params, "params");
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be a finite number >= 0, got " + maxNorm);
        }
        double sumSquares = 0;
        for (Tensor p : params) {
            if (p.grad() != null) {
                ArrayView g = ArrayView.of(p.grad());
                for (int i = 0, n = g.size(); i < n; i++) {
                    double v = g.get(i);
                    sumSquares += v * v;
                }
            }
        }
        double norm = Math.sqrt(sumSquares);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1 || Double.isNaN(coef)) {
            for (Tensor p : params) {
                if (p.grad() != null) {
                    ArrayView g = ArrayView.of(p.grad());
                    for (int i = 0, n = g.size(); i < n; i++) {
                        g.set(i, g.get(i) * coef);
                    }
                }
            }
        }
        return norm;
    }

    /**
     * Clamps every gradient element to {@code [-clipValue, clipValue]}.
     *
     * @param params    the parameters whose gradients are clipped. Their gradients are modified.
     * @param clipValue the largest allowed magnitude, &gt;= 0
     */
    public static void clipGradValue(Iterable<Tensor> params, double clipValue) {
        Objects.requireNonNull(params, "params");
        if (!(clipValue >= 0)) {
            throw new IllegalArgumentException("clipGradValue: clipValue must be >= 0, got " + clipValue);
        }
        for (Tensor p : params) {
            if (p.grad() != null) {
                ArrayView g = ArrayView.of(p.grad());
                for (int i = 0, n = g.size(); i < n; i++) {
                    g.set(i, Math.max(-clipValue, Math.min(clipValue, g.get(i))));
                }
            }
        }
    }
}
