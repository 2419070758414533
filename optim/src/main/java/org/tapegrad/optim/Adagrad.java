package org.tapegrad.optim;

import java.util.List;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * Adagrad (Duchi et al., 2011), as PyTorch's {@code torch.optim.Adagrad}. For each parameter θ with gradient g, at
 * step t (starting at 1), with the sum s starting at the initial accumulator value:
 *
 * <pre>
 * g ← g + λθ                                   (weight decay λ ≠ 0)
 * γ̃ = γ / (1 + (t - 1)η)                       (learning-rate decay η)
 * s ← s + g²
 * θ ← θ - γ̃ g / (√s + ε)
 * </pre>
 *
 * State per parameter: {@code sum} (s).
 */
public final class Adagrad extends Optimizer<Adagrad.Options> {

    /**
     * Hyperparameters of Adagrad (PyTorch's defaults: lr 1e-2, no lr decay, no weight decay, initial accumulator 0,
     * eps 1e-10).
     *
     * @param lr                      learning rate γ, &gt;= 0
     * @param lrDecay                 η &gt;= 0
     * @param weightDecay             L2 penalty λ &gt;= 0
     * @param initialAccumulatorValue starting value of s, &gt;= 0
     * @param eps                     ε &gt;= 0
     */
    public record Options(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps)
            implements Optimizer.Hyperparameters {
        /** Checks the values, with PyTorch's messages. */
        public Options {
            checkNonNegative("learning rate", lr);
            checkNonNegative("lr_decay value", lrDecay);
            checkNonNegative("weight_decay value", weightDecay);
            checkNonNegative("initial_accumulator_value value", initialAccumulatorValue);
            checkNonNegative("epsilon value", eps);
        }

        /** PyTorch's defaults with learning rate {@code lr}. */
        public static Options of(double lr) {
            return new Options(lr, 0, 0, 0, 1e-10);
        }

        /** PyTorch's defaults (lr 1e-2). */
        public static Options defaults() {
            return of(1e-2);
        }

        /** This record with {@code lrDecay} replaced (checked again). */
        public Options withLrDecay(double lrDecay) {
            return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, eps);
        }

        /** This record with {@code weightDecay} replaced (checked again). */
        public Options withWeightDecay(double weightDecay) {
            return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, eps);
        }

        /** This record with {@code initialAccumulatorValue} replaced (checked again). */
        public Options withInitialAccumulatorValue(double initialAccumulatorValue) {
            return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, eps);
        }
    }

    /** Adagrad over {@code params}, one group. */
    public Adagrad(Iterable<Tensor> params, Options options) {
        this(List.of(new ParamGroup<>(params, options)));
    }

    /** Adagrad over several groups, each with its own hyperparameters. */
    public Adagrad(List<ParamGroup<Options>> groups) {
        super(groups);
    }

    @Override
    protected ParamState newState(Options o, DType dtype, int numel) {
        return ParamState.withBuffers(dtype, numel, o.initialAccumulatorValue(), "sum");
    }

    @Override
    protected void update(Options o, double lr, ParamState s, ArrayView p, ArrayView g) {
        double[] theta = doubles(p);
        Float64Updates.adagrad(theta, doubles(g), 0, p.size(), s.float64("sum"), decayedLr(o, lr, s),
                o.weightDecay(), o.eps());
        store(theta, p);
    }

    @Override
    protected boolean updateFloat32(Options o, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        Float32Updates.adagrad(p, g, from, to, s.float32("sum"), (float) decayedLr(o, lr, s), (float) o.weightDecay(),
                (float) o.eps());
        return true;
    }

    /** γ̃ = γ/(1 + (t - 1)η) at this step. */
    private static double decayedLr(Options o, double lr, ParamState s) {
        return lr / (1 + (s.step - 1) * o.lrDecay());
    }
}
