package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Merges dimensions {@code startDim} to the last into one: [N, C, H, W] to [N, C·H·W] for startDim 1. */
public class Flatten extends Layer {
    private final int startDim;

    /** Flatten from dimension 1 (keeps the batch dimension), as PyTorch's default. */
    public Flatten() {
        this(1);
    }

    /** Flatten from {@code startDim} (negative counts from the end). */
    public Flatten(int startDim) {
        this.startDim = startDim;
    }

    /** {@code x.flatten(startDim)}; shares storage with the input. */
    @Override
    public Tensor forward(Tensor input) {
        return input.flatten(startDim);
    }

    @Override
    protected String extraRepr() {
        return "startDim=" + startDim;
    }
}
