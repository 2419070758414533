package org.tapegrad.optim;

import java.util.List;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, as PyTorch's
 * {@code torch.optim.SGD}. For each parameter θ with gradient g, at step t:
 *
 * <pre>
 * g ← g + λθ                                   (weight decay λ ≠ 0)
 * if μ ≠ 0:
 *     b ← g                     at t = 1
 *     b ← μb + (1 - τ)g         at t &gt; 1      (dampening τ)
 *     g ← g + μb  if nesterov,  else g ← b
 * θ ← θ - γg                                   (learning rate γ)
 * </pre>
 *
 * State per parameter: {@code momentum_buffer} (only when μ ≠ 0).
 */
public final class Sgd extends Optimizer<Sgd.Options> {

    /**
     * Hyperparameters of SGD (PyTorch's defaults: lr 1e-3, no momentum, no dampening, no Nesterov, no weight decay).
     *
     * @param lr          learning rate γ, &gt;= 0
     * @param momentum    μ, &gt;= 0
     * @param dampening   τ
     * @param nesterov    use Nesterov momentum (needs μ &gt; 0 and τ = 0)
     * @param weightDecay L2 penalty λ, &gt;= 0
     */
    public record Options(double lr, double momentum, double dampening, boolean nesterov, double weightDecay)
            implements Optimizer.Hyperparameters {
        /** Checks the values, with PyTorch's messages. */
        public Options {
            checkNonNegative("learning rate", lr);
            checkNonNegative("momentum value", momentum);
            checkNonNegative("weight_decay value", weightDecay);
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
            }
        }

        /** Plain SGD with learning rate {@code lr}. */
        public static Options of(double lr) {
            return new Options(lr, 0, 0, false, 0);
        }

        /** PyTorch's defaults (lr 1e-3). */
        public static Options defaults() {
            return of(1e-3);
        }

        /** This record with {@code momentum} replaced (checked again). */
        public Options withMomentum(double momentum) {
            return new Options(lr, momentum, dampening, nesterov, weightDecay);
        }

        /** This record with {@code dampening} replaced (checked again). */
        public Options withDampening(double dampening) {
            return new Options(lr, momentum, dampening, nesterov, weightDecay);
        }

        /** This record with {@code nesterov} replaced (checked again). */
        public Options withNesterov(boolean nesterov) {
            return new Options(lr, momentum, dampening, nesterov, weightDecay);
        }

        /** This record with {@code weightDecay} replaced (checked again). */
        public Options withWeightDecay(double weightDecay) {
            return new Options(lr, momentum, dampening, nesterov, weightDecay);
        }
    }

    /** SGD over {@code params}, one group. */
    public Sgd(Iterable<Tensor> params, Options options) {
        this(List.of(new ParamGroup<>(params, options)));
    }

    /** SGD over several groups, each with its own hyperparameters. */
    public Sgd(List<ParamGroup<Options>> groups) {
        super(groups);
    }

    @Override
    protected ParamState newState(Options o, DType dtype, int numel) {
        return o.momentum() != 0
                ? ParamState.withBuffers(dtype, numel, 0, "momentum_buffer")
                : ParamState.withBuffers(dtype, numel, 0);
    }

    @Override
    protected void update(Options o, double lr, ParamState s, ArrayView p, ArrayView g) {
        double[] buf = o.momentum() != 0 ? s.float64("momentum_buffer") : null;
        update(p, g, buf, s.step == 1, lr, o.momentum(), o.dampening(), o.nesterov(), o.weightDecay());
    }

    @Override
    protected boolean updateFloat32(Options o, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        float[] buf = o.momentum() != 0 ? s.float32("momentum_buffer") : null;
        update(p, g, from, to, buf, s.step == 1, lr, o.momentum(), o.dampening(), o.nesterov(), o.weightDecay());
        return true;
    }

    /**
     * One SGD step on one parameter, in place (the formula in the class comment), in double.
     *
     * @param p         parameter values θ. Modified.
     * @param g         gradient. Not modified.
     * @param buf       momentum buffer b (null when momentum is 0). Modified.
     * @param firstStep true at t = 1, when b is set to g
     */
    static void update(ArrayView p, ArrayView g, double[] buf, boolean firstStep, double lr, double momentum,
            double dampening, boolean nesterov, double weightDecay) {
        for (int i = 0, n = p.size(); i < n; i++) {
            double theta = p.get(i);
            double d = withDecay(g.get(i), theta, weightDecay);
            if (momentum != 0) {
                buf[i] = firstStep ? d : momentum * buf[i] + (1 - dampening) * d;
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p.set(i, theta - lr * d);
        }
    }

    /**
     * The float32 twin of {@link #update(ArrayView, ArrayView, double[], boolean, double, double, double, boolean,
     * double)}: the same formula in float arithmetic, with the hyperparameters rounded to float once, on elements
     * {@code from} to {@code to - 1} of the arrays. Momentum and Nesterov choose between three loops, and the first step is
     * folded into two coefficients, so the only test left in a loop is weight decay's, which does not change inside
     * it: C2 unswitches the loop on it and vectorises both copies.
     */
    static void update(float[] p, float[] g, int from, int to, float[] buf, boolean firstStep, double lr, double momentum,
            double dampening, boolean nesterov, double weightDecay) {
        float lr32 = (float) lr;
        float mu = (float) momentum;
        float wd = (float) weightDecay;
        if (momentum == 0) {
            for (int i = from; i < to; i++) {
                float theta = p[i];
                p[i] = theta - lr32 * withDecay(g[i], theta, wd);
            }
            return;
        }
        // b ← βb + κd, with (β, κ) = (μ, 1 - τ), or (0, 1) at t = 1: b is still 0 then, so b ← d as in the formula.
        float beta = firstStep ? 0 : mu;
        float kappa = firstStep ? 1 : (float) (1 - dampening);
        if (nesterov) {
            for (int i = from; i < to; i++) {
                float theta = p[i];
                float d = withDecay(g[i], theta, wd);
                float b = beta * buf[i] + kappa * d;
                buf[i] = b;
                p[i] = theta - lr32 * (d + mu * b);
            }
        } else {
            for (int i = from; i < to; i++) {
                float theta = p[i];
                float d = withDecay(g[i], theta, wd);
                float b = beta * buf[i] + kappa * d;
                buf[i] = b;
                p[i] = theta - lr32 * b;
            }
        }
    }
}
