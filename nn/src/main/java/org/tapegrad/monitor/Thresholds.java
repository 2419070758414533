package org.tapegrad.monitor;

/**
 * The thresholds of the {@link Rules}. "Samples" are the sampled steps, every N-th step.
 *
 * @param vanishingNorm     VANISHING when a layer's gradient norm is below this ...
 * @param vanishingFraction ... or below this fraction of the last layer's gradient norm, on {@code patience}
 *                          consecutive samples
 * @param explodingNorm     EXPLODING when a layer's gradient norm is above this ...
 * @param explodingGrowth   ... or when {@code norm_t / norm_(t−patience) > explodingGrowth}, over {@code patience}
 *                          samples
 * @param deadFraction      DEAD_UNITS when the fraction of units of a layer that are 0 for the whole batch is at
 *                          least this, on {@code patience} consecutive samples
 * @param updateRatioLow    UPDATE_RATIO when a layer's {@code ‖Δθ‖/‖θ‖} is below this ...
 * @param updateRatioHigh   ... or above this, on {@code patience} consecutive samples
 * @param patience          K, the number of consecutive samples of the persistent conditions, &gt;= 1
 */
public record Thresholds(double vanishingNorm, double vanishingFraction, double explodingNorm, double explodingGrowth,
        double deadFraction, double updateRatioLow, double updateRatioHigh, int patience) {

    public Thresholds {
        check("vanishingNorm", vanishingNorm >= 0, vanishingNorm);
        check("vanishingFraction", vanishingFraction >= 0 && vanishingFraction < 1, vanishingFraction);
        check("explodingNorm", explodingNorm > 0, explodingNorm);
        check("explodingGrowth", explodingGrowth > 1, explodingGrowth);
        check("deadFraction", deadFraction > 0 && deadFraction <= 1, deadFraction);
        check("updateRatioLow", updateRatioLow >= 0, updateRatioLow);
        check("updateRatioHigh", updateRatioHigh > updateRatioLow, updateRatioHigh);
        if (patience < 1) {
            throw new IllegalArgumentException("Thresholds: patience must be at least 1, got " + patience);
        }
    }

    private static void check(String name, boolean ok, double value) {
        if (!ok) {
            throw new IllegalArgumentException("Thresholds: " + name + " = " + value + " is out of range (see the "
                    + "Javadoc of Thresholds for the accepted values)");
        }
    }

    /**
     * Defaults: vanishing below 1e-7 or below 1e-3 of the last layer's norm; exploding above 1e3 or growing more
     * than 100-fold; dead units at 50%; update ratio outside [1e-5, 1e-1], i.e. a factor of 100 either side of the
     * healthy 1e-3; patience 3 samples.
     */
    public static Thresholds defaults() {
        return new Thresholds(1e-7, 1e-3, 1e3, 100, 0.5, 1e-5, 1e-1, 3);
    }
}
