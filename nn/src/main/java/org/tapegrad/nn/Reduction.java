package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** How a loss combines its per-element (or per-sample) values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
    /** The per-element values, unreduced. */
    NONE,
    /** Their mean (the default). */
    MEAN,
    /** Their sum. */
    SUM,
    /** Their sum divided by the size of the first dimension (the batch): {@link KlDivLoss} only, where it gives the
     *  KL divergence per sample (PyTorch's "batchmean"). */
    BATCHMEAN;

    /** {@code values} reduced as this says. */
    Tensor apply(Tensor values) {
        return switch (this) {
            case NONE -> values;
            case MEAN -> values.mean();
            case SUM -> values.sum();
            case BATCHMEAN -> values.sum().div(values.rank() == 0 ? 1 : values.size(0));
        };
    }
}
