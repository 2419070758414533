package org.tapegrad.core;

import java.util.Arrays;

/**
 * The index arithmetic of a 2-D sliding window over an {@code [N, C, H, W]} input, shared by convolution and
 * pooling: kernel {@code KH × KW}, stride, zero padding and dilation per spatial dimension, and the output size
 * {@code OH = ⌊(H + 2·pH - dH·(KH-1) - 1) / sH⌋ + 1} (likewise OW), as in PyTorch.
 */
record ConvGeometry(int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH,
        int strideW, int padH, int padW, int dilationH, int dilationW, int outH, int outW) {

    /**
     * The geometry of a window over an input of shape {@code x} ([N, C, H, W]), or an exception naming {@code op},
     * the input shape and what does not fit.
     *
     * @param stride   {sH, sW}, each at least 1
     * @param padding  {pH, pW}, each at least 0
     * @param dilation {dH, dW}, each at least 1
     */
    static ConvGeometry of(String op, int[] x, int kernelH, int kernelW, int[] stride, int[] padding, int[] dilation) {
        if (x.length != 4) {
            throw new IllegalArgumentException(op + ": expects an input [N, C, H, W], got shape " + Shape.str(x));
        }
        pair(op, "stride", stride, 1);
        pair(op, "padding", padding, 0);
        pair(op, "dilation", dilation, 1);
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException(op + ": kernel size must be positive, got " + kernelH + "x" + kernelW);
        }
        int extentH = dilation[0] * (kernelH - 1) + 1;
        int extentW = dilation[1] * (kernelW - 1) + 1;
        int paddedH = x[2] + 2 * padding[0];
        int paddedW = x[3] + 2 * padding[1];
        if (extentH > paddedH || extentW > paddedW) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " is too small: the kernel " + kernelH
                    + "x" + kernelW + (dilation[0] * dilation[1] > 1 ? " (dilated to " + extentH + "x" + extentW + ")"
                    : "") + " is larger than the padded input " + paddedH + "x" + paddedW + " (padding "
                    + Arrays.toString(padding) + ")");
        }
        return new ConvGeometry(x[0], x[1], x[2], x[3], kernelH, kernelW, stride[0], stride[1], padding[0],
                padding[1], dilation[0], dilation[1], (paddedH - extentH) / stride[0] + 1,
                (paddedW - extentW) / stride[1] + 1);
    }

    /** Checks a {height, width} pair of values, each at least {@code min}. */
    static void pair(String op, String name, int[] v, int min) {
        if (v == null || v.length != 2 || v[0] < min || v[1] < min) {
            throw new IllegalArgumentException(op + ": " + name + " must be two values {height, width}, each at least "
                    + min + ", got " + Arrays.toString(v));
        }
    }

    /** The same window over {@code channels} channels (a group of a grouped convolution, or one plane for pooling). */
    ConvGeometry withInput(int batch, int channels) {
        return new ConvGeometry(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
                dilationH, dilationW, outH, outW);
    }

    int[] inputShape() {
        return new int[] {batch, channels, height, width};
    }

    /** The shape of the patch matrix: one row per output position, one column per (channel, kernel offset). */
    int[] colsShape() {
        return new int[] {batch * outH * outW, channels * kernelH * kernelW};
    }
}
