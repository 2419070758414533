package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Softmax along a dimension: {@code y_i = e^(x_i) / Σ_j e^(x_j)}, computed stably. */
public class Softmax extends Layer {
    private final int dim;

    /** Softmax along {@code dim} (negative counts from the end). */
    public Softmax(int dim) {
        this.dim = dim;
    }

    /** {@code y_i = e^(x_i - max) / Σ_j e^(x_j - max)} along the dimension. */
    @Override
    public Tensor forward(Tensor input) {
        return input.softmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
