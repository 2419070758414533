package org.tapegrad.nn;

import java.util.Objects;
import java.util.random.RandomGenerator;
import org.tapegrad.core.Tensor;

/**
 * Inverted dropout. In training, {@code y = x·m/(1-p)} with m ~ Bernoulli(1-p) per element drawn from this
 * layer's generator; in eval mode {@code y = x}.
 */
public class Dropout extends Layer {
    private final double p;
    private final RandomGenerator rng;

    /** Drops with probability {@code p}, using a generator from {@link Seed#random()}. */
    public Dropout(double p) {
        this(p, Seed.random());
    }

    /** Drops with probability {@code p} in [0, 1), drawing masks from {@code rng}. */
    public Dropout(double p, RandomGenerator rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.rng = Objects.requireNonNull(rng, "rng");
    }

    /** The drop probability. */
    public double p() {
        return p;
    }

    /** {@code x·m/(1-p)} in training, {@code x} (the same tensor) in eval mode. */
    @Override
    public Tensor forward(Tensor input) {
        return input.dropout(p, isTraining(), rng);
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
