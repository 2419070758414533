package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/**
 * Max pooling over kH x kW windows of an [N, C, H, W] input ({@link Tensor#maxPool2d}); no parameters. With
 * {@code ceilMode} (see {@link Pool2d}), the input is extended by copies of its last row and column: every window
 * that reaches them already holds that row (or column), so the maximum is PyTorch's, and its gradient reaches the
 * same element.
 */
public class MaxPool2d extends Pool2d {
    /** k x k windows with stride k (PyTorch's default stride) and no padding. */
    public MaxPool2d(int kernelSize) {
        this(square(kernelSize), square(kernelSize), new int[] {0, 0});
    }

    /** Windows {@code kernel} moved by {@code stride}, with {@code padding} (at most half the kernel) never chosen. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding) {
        this(kernel, stride, padding, false);
    }

    /** As {@link #MaxPool2d(int[], int[], int[])}, with PyTorch's {@code ceil_mode}. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        super("MaxPool2d", kernel, stride, padding, ceilMode);
    }

    @Override
    Tensor pool(Tensor input) {
        return input.maxPool2d(kernel, stride, padding);
    }

    @Override
    Tensor poolCeil(Tensor input, int[] extra) {
        return pool(extend(input, extra, Tensor::expand));
    }
}
