package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/** Average pooling over kH x kW windows of an [N, C, H, W] input ({@link Tensor#avgPool2d}), zero padding counted
 * in the divisor (PyTorch's default); no parameters. */
public class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;

    /** k x k windows with stride k (PyTorch's default stride) and no padding. */
    public AvgPool2d(int kernelSize) {
        this(new int[] {kernelSize, kernelSize}, new int[] {kernelSize, kernelSize}, new int[] {0, 0});
    }

    /** Windows {@code kernel} moved by {@code stride}, with zero {@code padding} (at most half the kernel). */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding) {
        this.kernel = Conv2d.pair("AvgPool2d: kernel", kernel, 1);
        this.stride = Conv2d.pair("AvgPool2d: stride", stride, 1);
        this.padding = Conv2d.pair("AvgPool2d: padding", padding, 0);
    }

    @Override
    public Tensor forward(Tensor input) {
        try {
            return input.avgPool2d(kernel, stride, padding);
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
