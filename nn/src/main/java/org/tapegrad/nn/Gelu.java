package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** GELU, exact form, element-wise: {@code y = x·Φ(x) = x·(1 + erf(x/√2))/2}. */
public class Gelu extends Layer {
    /** The activation as a module. */
    public Gelu() {
    }

    /** GELU, exact form, element-wise: {@code y = x·Φ(x) = x·(1 + erf(x/√2))/2}. */
    @Override
    public Tensor forward(Tensor input) {
        return input.gelu();
    }
}
