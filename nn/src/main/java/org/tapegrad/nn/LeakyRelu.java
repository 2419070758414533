package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Leaky ReLU, element-wise: {@code y = x} for x &gt; 0, else {@code slope·x}. */
public class LeakyRelu extends Layer {
    private final double slope;

    /** PyTorch's default negative slope, 0.01. */
    public LeakyRelu() {
        this(0.01);
    }

    /** With negative slope {@code slope}. */
    public LeakyRelu(double slope) {
        this.slope = slope;
    }

    /** {@code y = x > 0 ? x : slope·x}. */
    @Override
    public Tensor forward(Tensor input) {
        return input.leakyRelu(slope);
    }

    @Override
    protected String extraRepr() {
        return "slope=" + slope;
    }
}
