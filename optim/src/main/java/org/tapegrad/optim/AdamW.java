package org.tapegrad.optim;

import java.util.List;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2017), as PyTorch's {@code torch.optim.AdamW}: the decay
 * shrinks the parameter directly instead of being added to the gradient, so it is not rescaled by the second
 * moment. For each parameter θ with gradient g, at step t:
 *
 * <pre>
 * θ ← θ - γλθ                                  (decoupled weight decay λ)
 * then the {@link Adam} update of θ with gradient g and no L2 term
 * </pre>
 *
 * State per parameter: as {@link Adam}.
 */
public final class AdamW extends Optimizer<AdamW.Options> {

    /**
     * Hyperparameters of AdamW (PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2, no
     * amsgrad).
     *
     * @param lr          learning rate γ, &gt;= 0
     * @param beta1       β₁ in [0, 1)
     * @param beta2       β₂ in [0, 1)
     * @param eps         ε &gt;= 0
     * @param weightDecay decoupled decay λ &gt;= 0
     * @param amsgrad     use the maximum of past second moments
     */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad)
            implements Optimizer.Hyperparameters {
        /** Checks the values, with PyTorch's messages. */
        public Options {
            Adam.checkAdam(lr, beta1, beta2, eps, weightDecay);
        }

        /** PyTorch's defaults with learning rate {@code lr} (weight decay 1e-2). */
        public static Options of(double lr) {
            return new Options(lr, 0.9, 0.999, 1e-8, 1e-2, false);
        }

        /** PyTorch's defaults (lr 1e-3, weight decay 1e-2). */
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

    /** AdamW over {@code params}, one group. */
    public AdamW(Iterable<Tensor> params, Options options) {
        this(List.of(new ParamGroup<>(params, options)));
    }

    /** AdamW over several groups, each with its own hyperparameters. */
    public AdamW(List<ParamGroup<Options>> groups) {
        super(groups);
    }

    @Override
    protected ParamState newState(Options o, DType dtype, int numel) {
        return Adam.newAdamState(o.amsgrad(), dtype, numel);
    }

    @Override
    protected void update(Options o, double lr, ParamState s, ArrayView p, ArrayView g) {
        Adam.update64(o.beta1(), o.beta2(), o.eps(), 0, 1 - lr * o.weightDecay(), o.amsgrad(), lr, s, p, g);
    }

    @Override
    protected boolean updateFloat32(Options o, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        Adam.update32(o.beta1(), o.beta2(), o.eps(), 0, 1 - lr * o.weightDecay(), o.amsgrad(), lr, s, p, g, from, to);
        return true;
    }
}
