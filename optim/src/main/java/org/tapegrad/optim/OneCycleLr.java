package org.tapegrad.optim;

import org.tapegrad.core.io.StateDict;

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
 * Every parameter group follows the same curve; the optimizer's own learning rate is ignored. With
 * {@code cycleMomentum} (the default, as in PyTorch) the momentum moves the other way, between
 * {@code baseMomentum} and {@code maxMomentum}: {@code m = cos(maxMomentum, baseMomentum, step / e₁)} while the
 * rate warms up, {@code cos(baseMomentum, maxMomentum, (step - e₁) / (e₂ - e₁))} after; "momentum" is SGD's and
 * RMSprop's {@code momentum} and Adam's and AdamW's β₁ ({@link Optimizer.Hyperparameters#cycledMomentum()}). An
 * optimizer without one (Adagrad) is refused unless {@code cycleMomentum} is false.
 */
public final class OneCycleLr extends LrScheduler {
    private final int totalSteps;
    private final double maxLr;
    private final double initialLr;
    private final double minLr;
    private final double warmupEnd;
    private final boolean cycleMomentum;
    private final double baseMomentum;
    private final double maxMomentum;

    /** PyTorch's defaults: pctStart 0.3, divFactor 25, finalDivFactor 1e4, momentum cycled 0.95 → 0.85 → 0.95. */
    public OneCycleLr(Optimizer<?> optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, 0.3, 25, 1e4);
    }

    /** The momentum cycled between 0.85 and 0.95, as PyTorch's defaults. */
    public OneCycleLr(Optimizer<?> optimizer, double maxLr, int totalSteps, double pctStart, double divFactor,
            double finalDivFactor) {
        this(optimizer, maxLr, totalSteps, pctStart, divFactor, finalDivFactor, true, 0.85, 0.95);
    }

    /**
     * @param maxLr          the peak rate
     * @param totalSteps     number of steps in the cycle, &gt; 0
     * @param pctStart       fraction of the cycle spent warming up, in [0, 1]
     * @param divFactor      initial rate = maxLr / divFactor
     * @param finalDivFactor final rate = initial rate / finalDivFactor
     * @param cycleMomentum  whether the momentum moves inversely to the rate
     * @param baseMomentum   the momentum at the peak rate, in [0, 1)
     * @param maxMomentum    the momentum at the start and the end, in [0, 1)
     * @throws UnsupportedOperationException with {@code cycleMomentum}, when the optimizer has no momentum
     */
    public OneCycleLr(Optimizer<?> optimizer, double maxLr, int totalSteps, double pctStart, double divFactor,
            double finalDivFactor, boolean cycleMomentum, double baseMomentum, double maxMomentum) {
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
        if (cycleMomentum && !(baseMomentum >= 0 && baseMomentum < 1 && maxMomentum >= 0 && maxMomentum < 1)) {
            throw new IllegalArgumentException("OneCycleLr: baseMomentum and maxMomentum must be in [0, 1), got "
                    + baseMomentum + " and " + maxMomentum);
        }
        if (cycleMomentum) {
            for (ParamGroup<?> g : optimizer.paramGroups()) {
                if (Double.isNaN(g.options().cycledMomentum())) {
                    g.options().withCycledMomentum(maxMomentum); // throws, naming the optimizer and the fix
                }
            }
        }
        this.cycleMomentum = cycleMomentum;
        this.baseMomentum = baseMomentum;
        this.maxMomentum = maxMomentum;
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

    /** The momentum of {@code step}, moving inversely to the rate. */
    double momentumAt(int step) {
        if (step <= warmupEnd) {
            return cos(maxMomentum, baseMomentum, fraction(step, 0, warmupEnd));
        }
        return cos(baseMomentum, maxMomentum, fraction(step, warmupEnd, totalSteps - 1));
    }

    @Override
    void applied(int epoch) {
        if (cycleMomentum) {
            double m = momentumAt(epoch);
            for (ParamGroup<?> g : optimizer().paramGroups()) {
                g.setCycledMomentum(m);
            }
        }
    }

    /** Restores the counter (see {@link LrScheduler#loadStateDict}) and the momentum of that step. */
    @Override
    public void loadStateDict(StateDict state) {
        super.loadStateDict(state);
        if (lastEpoch() >= 0 && lastEpoch() <= totalSteps) {
            applied(lastEpoch());
        }
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
