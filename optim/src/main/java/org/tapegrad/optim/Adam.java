package org.tapegrad.optim;

import java.util.List;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * Adam (Kingma and Ba, 2014) with L2 weight decay added to the gradient and optional AMSGrad, as PyTorch's
 * {@code torch.optim.Adam}. For each parameter θ with gradient g, at step t (starting at 1), with m, v (and v̂max)
 * starting at 0:
 *
 * <pre>
 * g ← g + λθ                                   (weight decay λ ≠ 0; for decoupled decay use {@link AdamW})
 * m ← β₁m + (1 - β₁)g
 * v ← β₂v + (1 - β₂)g²
 * m̂ = m / (1 - β₁ᵗ)
 * v̂ = v / (1 - β₂ᵗ),    or with amsgrad: v̂max ← max(v̂max, v), v̂ = v̂max / (1 - β₂ᵗ)
 * θ ← θ - γ m̂ / (√v̂ + ε)
 * </pre>
 *
 * State per parameter: {@code exp_avg} (m), {@code exp_avg_sq} (v), and {@code max_exp_avg_sq} with amsgrad.
 */
public final class Adam extends Optimizer<Adam.Options> {

    /**
     * Hyperparameters of Adam (PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, no
     * amsgrad).
     *
     * @param lr          learning rate γ, &gt;= 0
     * @param beta1       β₁ in [0, 1)
     * @param beta2       β₂ in [0, 1)
     * @param eps         ε &gt;= 0, added to the denominator
     * @param weightDecay L2 penalty λ &gt;= 0, added to the gradient
     * @param amsgrad     use the maximum of past second moments
     */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
            implements Optimizer.Hyperparameters {
        /** Checks the values, with PyTorch's messages. */
        public Options {
            checkAdam(lr, beta1, beta2, eps, weightDecay);
        }

        /** PyTorch's defaults with learning rate {@code lr}. */
        public static Options of(double lr) {
            return new Options(lr, 0.9, 0.999, 1e-8, 0, false);
        }

        /** PyTorch's defaults (lr 1e-3). */
        public static Options defaults() {
            return of(1e-3);
        }

        /** This record with {@code beta1} and {@code beta2} replaced (checked again). */
        public Options withBetas(double beta1, double beta2) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad);
        }

        @Override
        public double cycledMomentum() {
            return beta1;
        }

        @Override
        public Options withCycledMomentum(double momentum) {
            return withBetas(momentum, beta2);
        }

        /** This record with {@code weightDecay} replaced (checked again). */
        public Options withWeightDecay(double weightDecay) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad);
        }

        /** This record with {@code amsgrad} replaced (checked again). */
        public Options withAmsgrad(boolean amsgrad) {
            return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad);
        }
    }

    /** Adam over {@code params}, one group. */
    public Adam(Iterable<Tensor> params, Options options) {
        this(List.of(new ParamGroup<>(params, options)));
    }

    /** Adam over several groups, each with its own hyperparameters. */
    public Adam(List<ParamGroup<Options>> groups) {
        super(groups);
    }

    @Override
    protected ParamState newState(Options o, DType dtype, int numel) {
        return newAdamState(o.amsgrad(), dtype, numel);
    }

    @Override
    protected void update(Options o, double lr, ParamState s, ArrayView p, ArrayView g) {
        update64(o.beta1(), o.beta2(), o.eps(), o.weightDecay(), 1, o.amsgrad(), lr, s, p, g);
    }

    @Override
    protected boolean updateFloat32(Options o, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        update32(o.beta1(), o.beta2(), o.eps(), o.weightDecay(), 1, o.amsgrad(), lr, s, p, g, from, to);
        return true;
    }

    static ParamState newAdamState(boolean amsgrad, DType dtype, int numel) {
        return amsgrad
                ? ParamState.withBuffers(dtype, numel, 0, "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
                : ParamState.withBuffers(dtype, numel, 0, "exp_avg", "exp_avg_sq");
    }

    /**
     * One step of Adam or AdamW on a parameter's values (float64 state): L2 decay {@code weightDecay} added to the
     * gradient, θ multiplied by {@code shrink} first (AdamW's 1 - γλ; 1 for Adam).
     */
    static void update64(double beta1, double beta2, double eps, double weightDecay, double shrink, boolean amsgrad,
            double lr, ParamState s, ArrayView p, ArrayView g) {
        double[] theta = doubles(p);
        Float64Updates.adam(theta, doubles(g), 0, p.size(), s.float64("exp_avg"), s.float64("exp_avg_sq"),
                amsgrad ? s.float64("max_exp_avg_sq") : null, beta1, 1 - beta1, beta2, 1 - beta2,
                lr / (1 - Math.pow(beta1, s.step)), Math.sqrt(1 - Math.pow(beta2, s.step)), eps, weightDecay, shrink);
        store(theta, p);
    }

    /** {@link #update64} on elements {@code from..to-1} of a float32 parameter, coefficients rounded to float once. */
    static void update32(double beta1, double beta2, double eps, double weightDecay, double shrink, boolean amsgrad,
            double lr, ParamState s, float[] p, float[] g, int from, int to) {
        Float32Updates.adam(p, g, from, to, s.float32("exp_avg"), s.float32("exp_avg_sq"),
                amsgrad ? s.float32("max_exp_avg_sq") : null, (float) beta1, (float) (1 - beta1), (float) beta2,
                (float) (1 - beta2), (float) (lr / (1 - Math.pow(beta1, s.step))),
                (float) Math.sqrt(1 - Math.pow(beta2, s.step)), (float) eps, (float) weightDecay, (float) shrink);
    }

    /** PyTorch's checks for Adam and AdamW, with its messages. */
    static void checkAdam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        checkNonNegative("learning rate", lr);
        checkNonNegative("epsilon value", eps);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 0: " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 1: " + beta2);
        }
        checkNonNegative("weight_decay value", weightDecay);
    }
}
