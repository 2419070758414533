package org.tapegrad.optim;

/**
 * Scales each group's learning rate by a factor that moves linearly from {@code startFactor} to {@code endFactor}
 * over {@code totalIters} epochs and stays there, as PyTorch's {@code LinearLR} (a linear warm-up):
 * {@code lr = base · (startFactor + (endFactor - startFactor) · min(epoch, totalIters) / totalIters)}.
 */
public final class LinearLr extends LrScheduler {
    private final double startFactor;
    private final double endFactor;
    private final int totalIters;

    /** PyTorch's defaults: startFactor 1/3, endFactor 1, totalIters 5. */
    public LinearLr(Optimizer<?> optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    /**
     * @param startFactor factor at epoch 0, in (0, 1]
     * @param endFactor   factor from epoch {@code totalIters} on, in [0, 1]
     * @param totalIters  epochs of the ramp, &gt; 0
     */
    public LinearLr(Optimizer<?> optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException(
                    "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("Ending multiplicative factor expected to be between 0 and 1.");
        }
        if (totalIters <= 0) {
            throw new IllegalArgumentException("LinearLr: totalIters must be > 0, got " + totalIters);
        }
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override
    protected double lrAt(double baseLr, int epoch) {
        return baseLr * (startFactor + (endFactor - startFactor) * Math.min(epoch, totalIters) / totalIters);
    }
}
