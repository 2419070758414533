package org.tapegrad.optim;

import java.util.Objects;
import java.util.function.IntToDoubleFunction;

/**
 * A learning rate given by a function of the epoch, as PyTorch's {@code LambdaLR}:
 * {@code lr = base · factor(epoch)} for each parameter group, {@code base} being the group's initial rate.
 *
 * <pre>{@code
 * var warmup = new LambdaLr(optimizer, epoch -> Math.min(1.0, (epoch + 1) / 5.0));   // linear warm-up over 5 epochs
 * }</pre>
 *
 * The function must be pure (its value depends on the epoch alone), so that a resumed run, which restores only the
 * epoch counter, gets the same rates. A factor that is negative or not finite is refused when it is applied, naming
 * the epoch.
 */
public final class LambdaLr extends LrScheduler {
    private final IntToDoubleFunction factor;

    /**
     * @param optimizer the optimizer whose groups' rates are set; epoch 0 is applied at once
     * @param factor    the multiplier of the initial rate at each epoch (&gt;= 0 and finite)
     */
    public LambdaLr(Optimizer<?> optimizer, IntToDoubleFunction factor) {
        super(optimizer);
        this.factor = Objects.requireNonNull(factor, "factor");
        initialStep();
    }

    @Override
    protected double lrAt(double baseLr, int epoch) {
        double f = factor.applyAsDouble(epoch);
        if (!(f >= 0) || Double.isInfinite(f)) {
            throw new IllegalArgumentException("LambdaLr: the factor at epoch " + epoch + " is " + f
                    + "; it must be finite and >= 0");
        }
        return baseLr * f;
    }
}
