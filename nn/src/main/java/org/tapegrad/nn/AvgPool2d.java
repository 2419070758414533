package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/** Average pooling over kH x kW windows of an [N, C, H, W] input ({@link Tensor#avgPool2d}), zero padding counted
 *  in the divisor (PyTorch's default); no parameters. */
public class AvgPool2d extends Pool2d {
    /** k x k windows with stride k (PyTorch's default stride) and no padding. */
    public AvgPool2d(int kernelSize) {
        this(square(kernelSize), square(kernelSize), new int[] {0, 0});
    }

    /** Windows {@code kernel} moved by {@code stride}, with zero {@code padding} (at most half the kernel). */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding) {
        super("AvgPool2d", kernel, stride, padding);
    }

    @Override
    Tensor pool(Tensor input) {
        return input.avgPool2d(kernel, stride, padding);
    }
}
