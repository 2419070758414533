package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Max pooling over kH x kW windows of an [N, C, H, W] input ({@link Tensor#maxPool2d}); no parameters. */
public class MaxPool2d extends Pool2d {
    /** k x k windows with stride k (PyTorch's default stride) and no padding. */
    public MaxPool2d(int kernelSize) {
        this(square(kernelSize), square(kernelSize), new int[] {0, 0});
    }

    /** Windows {@code kernel} moved by {@code stride}, with {@code padding} (at most half the kernel) never chosen. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding) {
        super("MaxPool2d", kernel, stride, padding);
    }

    @Override
    Tensor pool(Tensor input) {
        return input.maxPool2d(kernel, stride, padding);
    }
}
