package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/**
 * What {@link MaxPool2d} and {@link AvgPool2d} share: window size, stride and padding, validated once, and error
 * messages that name the layer. Subclasses apply their pooling op.
 */
public abstract class Pool2d extends Layer {
    final int[] kernel;
    final int[] stride;
    final int[] padding;

    Pool2d(String name, int[] kernel, int[] stride, int[] padding) {
        this.kernel = Conv2d.pair(name + ": kernel", kernel, 1);
        this.stride = Conv2d.pair(name + ": stride", stride, 1);
        this.padding = Conv2d.pair(name + ": padding", padding, 0);
    }

    /** k x k windows with stride k (PyTorch's default stride) and no padding. */
    static int[] square(int k) {
        return new int[] {k, k};
    }

    /** The pooling op itself on this layer's geometry. */
    abstract Tensor pool(Tensor input);

    @Override
    public Tensor forward(Tensor input) {
        try {
            return pool(input);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(this + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected String extraRepr() {
        return "kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding);
    }
}
