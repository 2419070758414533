package org.tapegrad.nn;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.tapegrad.core.Tensor;

/**
 * Channel dropout for [N, C, H, W] inputs: in training each whole channel plane {@code x[n, c]} is zeroed with
 * probability p and the others are scaled by 1/(1-p), {@code y = x·m/(1-p)} with m[n, c] ~ Bernoulli(1-p) drawn
 * from this layer's generator; in eval mode {@code y = x}. Neighbouring pixels of a feature map are strongly
 * correlated, so dropping single pixels (as {@link Dropout}) regularises convolutions little. Gradient: g times the
 * same mask (composed: the mask is a constant).
 */
public class Dropout2d extends Layer {
    private final double p;
    private final RandomGenerator rng;

    /** Drops channels with probability {@code p}, using a generator from {@link Seed#random()}. */
    public Dropout2d(double p) {
        this(p, Seed.random());
    }

    /** Drops channels with probability {@code p} in [0, 1), drawing masks from {@code rng}. */
    public Dropout2d(double p, RandomGenerator rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout2d: probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.rng = Objects.requireNonNull(rng, "rng");
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("Dropout2d: expected input [N, C, H, W], got "
                    + Arrays.toString(input.shape()));
        }
        if (!isTraining() || p == 0) {
            return input;
        }
        int n = input.size(0);
        int c = input.size(1);
        double[] mask = new double[n * c];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = rng.nextDouble() < p ? 0 : 1 / (1 - p);
        }
        return input.mul(Tensor.of(input.dtype(), mask, n, c, 1, 1));
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
