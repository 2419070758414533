package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Hyperbolic tangent, element-wise: {@code y = tanh(x)}. */
public class Tanh extends Layer {
    /** The activation as a module. */
    public Tanh() {
    }

    /** Hyperbolic tangent, element-wise: {@code y = tanh(x)}. */
    @Override
    public Tensor forward(Tensor input) {
        return input.tanh();
    }
}
