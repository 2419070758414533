package org.tapegrad.optim;

/**
 * Cosine annealing from each group's initial rate down to {@code etaMin} over {@code tMax} epochs, as PyTorch's
 * {@code CosineAnnealingLR} in closed form (without restarts):
 * {@code lr = etaMin + (base - etaMin) · (1 + cos(π · epoch / tMax)) / 2}. Past {@code tMax} the cosine goes on
 * (rising again), as in PyTorch's closed form.
 */
public final class CosineAnnealingLr extends LrScheduler {
    private final int tMax;
    private final double etaMin;

    /**
     * @param optimizer the optimizer whose groups' rates are set
     * @param tMax      epochs of one half cosine, &gt; 0
     * @param etaMin    the final rate (PyTorch's default is 0)
     */
    public CosineAnnealingLr(Optimizer<?> optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax <= 0) {
            throw new IllegalArgumentException("CosineAnnealingLr: tMax must be > 0, got " + tMax);
        }
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override
    protected double lrAt(double baseLr, int epoch) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
