package org.tapegrad.nn.train;

/** A weighted running mean, e.g. of the loss over an epoch: {@code add(batchLoss, batchSize)}. */
public final class RunningMean {
    private double sum;
    private double weight;

    /** Adds {@code value} with weight 1. */
    public void add(double value) {
        add(value, 1);
    }

    /** Adds {@code value} counted {@code weight} times (e.g. a batch mean and the batch size). */
    public void add(double value, double weight) {
        if (!(weight >= 0)) {
            throw new IllegalArgumentException("RunningMean: weight must be >= 0, got " + weight);
        }
        sum += value * weight;
        this.weight += weight;
    }

    /** The mean so far; NaN before anything was added. */
    public double mean() {
        return weight == 0 ? Double.NaN : sum / weight;
    }

    /** Total weight added. */
    public double count() {
        return weight;
    }

    public void reset() {
        sum = 0;
        weight = 0;
    }
}
