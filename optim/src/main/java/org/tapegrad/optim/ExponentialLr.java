package org.tapegrad.optim;

/** Decays each group's learning rate by {@code gamma} every epoch, as PyTorch's {@code ExponentialLR}: {@code lr = base · gamma^epoch}. */
public final class ExponentialLr extends LrScheduler {
    private final double gamma;

    /** A schedule multiplying each group's rate by {@code gamma} every epoch. */
    public ExponentialLr(Optimizer<?> optimizer, double gamma) {
        super(optimizer);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double lrAt(double baseLr, int epoch) {
        return baseLr * Math.pow(gamma, epoch);
    }
}
