package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** How a loss combines its per-element (or per-sample) values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
    /** The per-element values, unreduced. */
    NONE,
    /** Their mean (the default). */
    MEAN,
    /** Their sum. */
    SUM;

    /** {@code values} reduced as this says. */
    Tensor apply(Tensor values) {
        return switch (this) {
            case NONE -> values;
            case MEAN -> values.mean();
            case SUM -> values.sum();
        };
    }
}
