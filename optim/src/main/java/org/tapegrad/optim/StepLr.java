package org.tapegrad.optim;

/**
 * Decays each group's learning rate by {@code gamma} every {@code stepSize} epochs, as PyTorch's {@code StepLR}:
 * {@code lr = base · gamma^⌊epoch / stepSize⌋}.
 */
public final class StepLr extends LrScheduler {
    private final int stepSize;
    private final double gamma;

    /** PyTorch's default gamma, 0.1. */
    public StepLr(Optimizer<?> optimizer, int stepSize) {
        this(optimizer, stepSize, 0.1);
    }

    /**
     * @param optimizer the optimizer whose groups' rates are set
     * @param stepSize  epochs between decays, &gt; 0
     * @param gamma     the decay factor
     */
    public StepLr(Optimizer<?> optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize <= 0) {
            throw new IllegalArgumentException("StepLr: stepSize must be > 0, got " + stepSize);
        }
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double lrAt(double baseLr, int epoch) {
        return baseLr * Math.pow(gamma, epoch / stepSize);
    }
}
