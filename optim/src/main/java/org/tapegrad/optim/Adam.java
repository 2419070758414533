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
        update(p, g, s.float64("exp_avg"), s.float64("exp_avg_sq"), o.amsgrad() ? s.float64("max_exp_avg_sq") : null,
                s.step, lr, o.beta1(), o.beta2(), o.eps(), o.weightDecay());
    }

    @Override
    protected boolean updateFloat32(Options o, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        update(p, g, from, to, s.float32("exp_avg"), s.float32("exp_avg_sq"),
                o.amsgrad() ? s.float32("max_exp_avg_sq") : null, s.step, lr, o.beta1(), o.beta2(), o.eps(),
                o.weightDecay());
        return true;
    }

    static ParamState newAdamState(boolean amsgrad, DType dtype, int numel) {
        return amsgrad
                ? ParamState.withBuffers(dtype, numel, 0, "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
                : ParamState.withBuffers(dtype, numel, 0, "exp_avg", "exp_avg_sq");
    }

    /**
     * One Adam step on one parameter, in place (the formula in the class comment), in double.
     *
     * @param p       parameter values θ. Modified.
     * @param g       gradient. Not modified.
     * @param expAvg  m. Modified.
     * @param expAvgSq v. Modified.
     * @param maxExpAvgSq v̂max, or null without amsgrad. Modified.
     * @param step    t, counting this step (1 on the first)
     */
    static void update(ArrayView p, ArrayView g, double[] expAvg, double[] expAvgSq, double[] maxExpAvgSq, long step,
            double lr, double beta1, double beta2, double eps, double weightDecay) {
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        double stepSize = lr / biasCorrection1;
        for (int i = 0, n = p.size(); i < n; i++) {
            double theta = p.get(i);
            double d = withDecay(g.get(i), theta, weightDecay);
            double m = beta1 * expAvg[i] + (1 - beta1) * d;
            double v = beta2 * expAvgSq[i] + (1 - beta2) * d * d;
            expAvg[i] = m;
            expAvgSq[i] = v;
            if (maxExpAvgSq != null) {
                v = Math.max(maxExpAvgSq[i], v);
                maxExpAvgSq[i] = v;
            }
            double denom = Math.sqrt(v) / biasCorrection2Sqrt + eps;
            p.set(i, theta - stepSize * m / denom);
        }
    }

    /**
     * The float32 twin of {@link #update(ArrayView, ArrayView, double[], double[], double[], long, double, double,
     * double, double, double)} on elements {@code from} to {@code to - 1} of the arrays: the same statements in float
     * arithmetic, with the hyperparameters and bias corrections computed in double and rounded to float once.
     */
    static void update(float[] p, float[] g, int from, int to, float[] expAvg, float[] expAvgSq, float[] maxExpAvgSq, long step,
            double lr, double beta1, double beta2, double eps, double weightDecay) {
        update(p, g, from, to, expAvg, expAvgSq, maxExpAvgSq, step, lr, beta1, beta2, eps, weightDecay, 1);
    }

    /**
     * {@link #update(float[], float[], int, int, float[], float[], float[], long, double, double, double, double, double)}
     * after multiplying θ by {@code shrink} in the same pass over memory: AdamW's decoupled weight decay
     * θ ← θ(1 - γλ); 1 for Adam (θ·1 is θ exactly). The two tests in the loop (weight decay, amsgrad) do not change
     * inside it: C2 unswitches the loop on them and vectorises each copy.
     */
    static void update(float[] p, float[] g, int from, int to, float[] expAvg, float[] expAvgSq, float[] maxExpAvgSq, long step,
            double lr, double beta1, double beta2, double eps, double weightDecay, double shrink) {
        float biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1);
        float oneMinusB2 = (float) (1 - beta2);
        float eps32 = (float) eps;
        float wd = (float) weightDecay;
        float shrink32 = (float) shrink;
        boolean amsgrad = maxExpAvgSq != null;
        for (int i = from; i < to; i++) {
            float theta = p[i] * shrink32;
            float d = withDecay(g[i], theta, wd);
            float m = b1 * expAvg[i] + oneMinusB1 * d;
            float v = b2 * expAvgSq[i] + oneMinusB2 * d * d;
            expAvg[i] = m;
            expAvgSq[i] = v;
            if (amsgrad) {
                v = Math.max(maxExpAvgSq[i], v);
                maxExpAvgSq[i] = v;
            }
            float denom = (float) Math.sqrt(v) / biasCorrection2Sqrt + eps32;
            p[i] = theta - stepSize * m / denom;
        }
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
