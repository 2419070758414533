package org.tapegrad.optim;

import java.util.List;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * RMSProp (Hinton), as PyTorch's {@code torch.optim.RMSprop}. For each parameter θ with gradient g, with v, ḡ and
 * b starting at 0:
 *
 * <pre>
 * g ← g + λθ                                   (weight decay λ ≠ 0)
 * v ← αv + (1 - α)g²
 * if centered:  ḡ ← αḡ + (1 - α)g,   d = √(v - ḡ²) + ε
 * else:                               d = √v + ε
 * if μ &gt; 0:  b ← μb + g/d,   θ ← θ - γb
 * else:       θ ← θ - γg/d
 * </pre>
 *
 * State per parameter: {@code square_avg} (v), {@code grad_avg} (ḡ, when centered), {@code momentum_buffer}
 * (b, when μ &gt; 0).
 */
public final class RmsProp extends Optimizer<RmsProp.Options> {

    /**
     * Hyperparameters of RMSProp (PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, no momentum,
     * not centered).
     *
     * @param lr          learning rate γ, &gt;= 0
     * @param alpha       smoothing constant α, &gt;= 0
     * @param eps         ε &gt;= 0, added to the denominator
     * @param weightDecay L2 penalty λ, &gt;= 0
     * @param momentum    μ, &gt;= 0
     * @param centered    normalise by the estimated variance instead of the uncentered second moment
     */
    public record Options(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered)
            implements Optimizer.Hyperparameters {
        /** Checks the values, with PyTorch's messages. */
        public Options {
            checkNonNegative("learning rate", lr);
            checkNonNegative("epsilon value", eps);
            checkNonNegative("momentum value", momentum);
            checkNonNegative("weight_decay value", weightDecay);
            checkNonNegative("alpha value", alpha);
        }

        @Override
        public double cycledMomentum() {
            return momentum;
        }

        @Override
        public Options withCycledMomentum(double momentum) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered);
        }

        /** PyTorch's defaults with learning rate {@code lr}. */
        public static Options of(double lr) {
            return new Options(lr, 0.99, 1e-8, 0, 0, false);
        }

        /** PyTorch's defaults (lr 1e-2). */
        public static Options defaults() {
            return of(1e-2);
        }

        /** This record with {@code alpha} replaced (checked again). */
        public Options withAlpha(double alpha) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered);
        }

        /** This record with {@code weightDecay} replaced (checked again). */
        public Options withWeightDecay(double weightDecay) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered);
        }

        /** This record with {@code momentum} replaced (checked again). */
        public Options withMomentum(double momentum) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered);
        }

        /** This record with {@code centered} replaced (checked again). */
        public Options withCentered(boolean centered) {
            return new Options(lr, alpha, eps, weightDecay, momentum, centered);
        }
    }

    /** RMSProp over {@code params}, one group. */
    public RmsProp(Iterable<Tensor> params, Options options) {
        this(List.of(new ParamGroup<>(params, options)));
    }

    /** RMSProp over several groups, each with its own hyperparameters. */
    public RmsProp(List<ParamGroup<Options>> groups) {
        super(groups);
    }

    @Override
    protected ParamState newState(Options o, DType dtype, int numel) {
        if (o.centered() && o.momentum() > 0) {
            return ParamState.withBuffers(dtype, numel, 0, "square_avg", "grad_avg", "momentum_buffer");
        } else if (o.centered()) {
            return ParamState.withBuffers(dtype, numel, 0, "square_avg", "grad_avg");
        } else if (o.momentum() > 0) {
            return ParamState.withBuffers(dtype, numel, 0, "square_avg", "momentum_buffer");
        }
        return ParamState.withBuffers(dtype, numel, 0, "square_avg");
    }

    @Override
    protected void update(Options o, double lr, ParamState s, ArrayView p, ArrayView g) {
        double[] theta = doubles(p);
        Float64Updates.rmsProp(theta, doubles(g), 0, p.size(), s.float64("square_avg"),
                o.centered() ? s.float64("grad_avg") : null, o.momentum() > 0 ? s.float64("momentum_buffer") : null,
                lr, o.alpha(), 1 - o.alpha(), o.eps(), o.weightDecay(), o.momentum());
        store(theta, p);
    }

    @Override
    protected boolean updateFloat32(Options o, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        Float32Updates.rmsProp(p, g, from, to, s.float32("square_avg"), o.centered() ? s.float32("grad_avg") : null,
                o.momentum() > 0 ? s.float32("momentum_buffer") : null, (float) lr, (float) o.alpha(),
                (float) (1 - o.alpha()), (float) o.eps(), (float) o.weightDecay(), (float) o.momentum());
        return true;
    }
}
