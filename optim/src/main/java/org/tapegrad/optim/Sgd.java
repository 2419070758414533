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

        @Override
        public double cycledMomentum() {
            return momentum;
        }

        @Override
        public Options withCycledMomentum(double momentum) {
            return withMomentum(momentum);
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
        boolean first = s.step == 1;
        double[] theta = doubles(p);
        Float64Updates.sgd(theta, doubles(g), 0, p.size(), buf, lr, o.momentum(), first ? 0 : o.momentum(),
                first ? 1 : 1 - o.dampening(), o.nesterov(), o.weightDecay());
        store(theta, p);
    }

    @Override
    protected boolean updateFloat32(Options o, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        float[] buf = o.momentum() != 0 ? s.float32("momentum_buffer") : null;
        boolean first = s.step == 1;
        Float32Updates.sgd(p, g, from, to, buf, (float) lr, (float) o.momentum(), first ? 0 : (float) o.momentum(),
                first ? 1 : (float) (1 - o.dampening()), o.nesterov(), (float) o.weightDecay());
        return true;
    }
}
