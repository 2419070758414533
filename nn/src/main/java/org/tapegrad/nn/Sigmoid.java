package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Logistic sigmoid, element-wise: {@code y = 1 / (1 + e^-x)}. */
public class Sigmoid extends Layer {
    /** The activation as a module. */
    public Sigmoid() {
    }

    /** Logistic sigmoid, element-wise: {@code y = 1 / (1 + e^-x)}. */
    @Override
    public Tensor forward(Tensor input) {
        return input.sigmoid();
    }
}
