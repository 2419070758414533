package org.tapegrad.optim;

/**
 * The 1cycle policy (Smith and Topin, 2017) with cosine annealing, as PyTorch's {@code OneCycleLR} with
 * {@code anneal_strategy='cos'} and {@code three_phase=False}. Step it once per batch, {@code totalSteps} times.
 * With {@code initial = maxLr / divFactor}, {@code min = initial / finalDivFactor},
 * {@code e₁ = pctStart · totalSteps - 1}, {@code e₂ = totalSteps - 1} and
 * {@code cos(a, b, x) = b + (a - b)(1 + cos(πx)) / 2}:
 *
 * <pre>
 * lr = cos(initial, maxLr, step / e₁)               for step &lt;= e₁   (warm-up)
 * lr = cos(maxLr, min, (step - e₁) / (e₂ - e₁))     after             (annealing)
 * </pre>
 *
 * Every parameter group follows the same curve; the optimizer's own learning rate is ignored. PyTorch's optional
 * momentum cycling (of β₁ or momentum between 0.85 and 0.95) is not implemented: the hyperparameter records are
 * immutable and only the learning rate is scheduled.
 */
public final class OneCycleLr extends LrScheduler {
    private final int totalSteps;
    private final double maxLr;
    private final double initialLr;
    private final double minLr;
    private final double warmupEnd;

    /** PyTorch's defaults: pctStart 0.3, divFactor 25, finalDivFactor 1e4. */
    public OneCycleLr(Optimizer<?> optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, 0.3, 25, 1e4);
    }

    /**
     * @param maxLr          the peak rate
     * @param totalSteps     number of steps in the cycle, &gt; 0
     * @param pctStart       fraction of the cycle spent warming up, in [0, 1]
     * @param divFactor      initial rate = maxLr / divFactor
     * @param finalDivFactor final rate = initial rate / finalDivFactor
     */
    public OneCycleLr(Optimizer<?> optimizer, double maxLr, int totalSteps, double pctStart, double divFactor,
            double finalDivFactor) {
        super(optimizer);
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("Expected positive integer total_steps, but got " + totalSteps);
        }
        if (!(pctStart >= 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("Expected float between 0 and 1 pct_start, but got " + pctStart);
        }
        if (!(maxLr >= 0) || !(divFactor > 0) || !(finalDivFactor > 0)) {
            throw new IllegalArgumentException("OneCycleLr: maxLr must be >= 0 and the div factors > 0, got maxLr "
                    + maxLr + ", divFactor " + divFactor + ", finalDivFactor " + finalDivFactor);
        }
        this.totalSteps = totalSteps;
        this.maxLr = maxLr;
        this.initialLr = maxLr / divFactor;
        this.minLr = initialLr / finalDivFactor;
        this.warmupEnd = pctStart * totalSteps - 1;
        initialStep();
    }

    @Override
    protected double lrAt(double baseLr, int step) {
        if (step > totalSteps) {
            throw new IllegalStateException("Tried to step " + step + " times. The specified number of total steps is "
                    + totalSteps);
        }
        double end = totalSteps - 1;
        if (step <= warmupEnd) {
            return cos(initialLr, maxLr, fraction(step, 0, warmupEnd));
        }
        return cos(maxLr, minLr, fraction(step, warmupEnd, end));
    }

    /** (step - start) / (end - start); a phase of zero length counts as finished. */
    private static double fraction(double step, double start, double end) {
        return end == start ? 1 : (step - start) / (end - start);
    }

    /** Cosine from {@code start} (at 0) to {@code end} (at 1). */
    private static double cos(double start, double end, double pct) {
        return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    }
}
