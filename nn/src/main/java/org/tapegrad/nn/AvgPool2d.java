package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/**
 * Average pooling over kH x kW windows of an [N, C, H, W] input ({@link Tensor#avgPool2d}), zero padding counted
 * in the divisor (PyTorch's default); no parameters. With {@code ceilMode} (see {@link Pool2d}), a last window that
 * overhangs the padded input is divided, as in PyTorch, by the part of it that lies within the padded input: the
 * input is extended with zeros and each such window's mean multiplied by {@code kH·kW / that size}.
 */
public class AvgPool2d extends Pool2d {
    /** k x k windows with stride k (PyTorch's default stride) and no padding. */
    public AvgPool2d(int kernelSize) {
        this(square(kernelSize), square(kernelSize), new int[] {0, 0});
    }

    /** Windows {@code kernel} moved by {@code stride}, with zero {@code padding} (at most half the kernel). */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding) {
        this(kernel, stride, padding, false);
    }

    /** As {@link #AvgPool2d(int[], int[], int[])}, with PyTorch's {@code ceil_mode}. */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        super("AvgPool2d", kernel, stride, padding, ceilMode);
    }

    @Override
    Tensor pool(Tensor input) {
        return input.avgPool2d(kernel, stride, padding);
    }

    @Override
    Tensor poolCeil(Tensor input, int[] extra) {
        int h = input.size(2);
        int w = input.size(3);
        Tensor sums = pool(extend(input, extra, (edge, shape) -> Tensor.zeros(edge.dtype(), shape)));
        int outH = sums.size(2);
        int outW = sums.size(3);
        double[] factor = new double[outH * outW];
        for (int i = 0; i < outH; i++) {
            int rows = windowSize(i, 0, h);
            for (int j = 0; j < outW; j++) {
                factor[i * outW + j] = (double) (kernel[0] * kernel[1]) / (rows * windowSize(j, 1, w));
            }
        }
        return sums.mul(Tensor.of(input.dtype(), factor, outH, outW));
    }

    /** PyTorch's divisor along dimension d: the window's extent clipped to the padded input, padding included. */
    private int windowSize(int o, int d, int size) {
        int start = o * stride[d] - padding[d];
        return Math.min(start + kernel[d], size + padding[d]) - start;
    }
}
