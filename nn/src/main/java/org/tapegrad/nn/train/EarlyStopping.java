package org.tapegrad.nn.train;

/**
 * Stops training once a metric has gone {@code patience} evaluations in a row without improving (as Keras and
 * Lightning count: with patience 0 the first evaluation without improvement stops). Improvement means lower (mode
 * MIN, e.g. a loss) or higher (mode MAX, e.g. an accuracy) by more than {@code minDelta}.
 */
public final class EarlyStopping {
    /** Whether smaller or larger values of the metric are better. */
    public enum Mode { MIN, MAX }

    private final Mode mode;
    private final int patience;
    private final double minDelta;
    private double best = Double.NaN;
    private int bestStep = -1;
    private int step = -1;
    private int sinceBest;

    public EarlyStopping(Mode mode, int patience, double minDelta) {
        if (patience < 0 || !(minDelta >= 0)) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 0 and minDelta >= 0, got "
                    + patience + " and " + minDelta);
        }
        this.mode = mode;
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /** Records the metric of one evaluation; returns true when training should stop. */
    public boolean update(double metric) {
        if (Double.isNaN(metric)) {
            throw new IllegalArgumentException("EarlyStopping: the metric is NaN");
        }
        step++;
        boolean improved = bestStep < 0 || (mode == Mode.MIN ? metric < best - minDelta : metric > best + minDelta);
        if (improved) {
            best = metric;
            bestStep = step;
            sinceBest = 0;
            return false;
        }
        sinceBest++;
        return sinceBest >= patience;
    }

    /** The best value so far (NaN before the first update). */
    public double best() {
        return best;
    }

    /** The 0-based index of the update that gave the best value (-1 before the first). */
    public int bestStep() {
        return bestStep;
    }

    /** True when the last update was the best so far (a moment to save a checkpoint). */
    public boolean lastWasBest() {
        return step >= 0 && bestStep == step;
    }
}
