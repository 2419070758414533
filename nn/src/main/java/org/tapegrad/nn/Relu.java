package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Rectified linear unit, element-wise: {@code y = max(x, 0)}. */
public class Relu extends Layer {
    /** The activation as a module. */
    public Relu() {
    }

    /** Rectified linear unit, element-wise: {@code y = max(x, 0)}. */
    @Override
    public Tensor forward(Tensor input) {
        return input.relu();
    }
}
