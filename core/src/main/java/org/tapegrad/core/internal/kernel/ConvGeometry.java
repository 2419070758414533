package org.tapegrad.core.internal.kernel;

import java.util.Arrays;

/**
 * The index arithmetic of a 2-D sliding window over an {@code [N, C, H, W]} input, shared by convolution and
 * pooling: kernel {@code KH × KW}, stride, zero padding and dilation per spatial dimension, and the output size
 * {@code OH = ⌊(H + 2·pH - dH·(KH-1) - 1) / sH⌋ + 1} (likewise OW), as in PyTorch.
 */
public record ConvGeometry(int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH,
        int strideW, int padH, int padW, int dilationH, int dilationW, int outH, int outW) {

    /**
     * The geometry of a window over an input of shape {@code x} ([N, C, H, W]), or an exception naming {@code op},
     * the input shape and what does not fit.
     *
     * @param stride   {sH, sW}, each at least 1
     * @param padding  {pH, pW}, each at least 0
     * @param dilation {dH, dW}, each at least 1
     */
    public static ConvGeometry of(String op, int[] x, int kernelH, int kernelW, int[] stride, int[] padding,
            int[] dilation) {
        if (x.length != 4) {
            throw new IllegalArgumentException(op + ": expects an input [N, C, H, W], got shape " + Shape.str(x));
        }
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException(op + ": kernel size must be positive, got " + kernelH + "x" + kernelW);
        }
        pair(op, "stride", stride, 1);
        pair(op, "padding", padding, 0);
        pair(op, "dilation", dilation, 1);
        // In long: dilation 2^30 or padding near 2^30 overflows int before anything is allocated.
        long extentH = (long) dilation[0] * (kernelH - 1) + 1;
        long extentW = (long) dilation[1] * (kernelW - 1) + 1;
        long paddedH = x[2] + 2L * padding[0];
        long paddedW = x[3] + 2L * padding[1];
        if (extentH > paddedH || extentW > paddedW) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + " is too small: the kernel " + kernelH
                    + "x" + kernelW + ((long) dilation[0] * dilation[1] > 1 ? " (dilated to " + extentH + "x" + extentW
                    + ")" : "") + " is larger than the padded input " + paddedH + "x" + paddedW + " (padding "
                    + Arrays.toString(padding) + ")");
        }
        long outH = (paddedH - extentH) / stride[0] + 1;
        long outW = (paddedW - extentW) / stride[1] + 1;
        long outputs = product(x[0], x[1], outH, outW);
        if (outputs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(x) + ", kernel " + kernelH + "x" + kernelW
                    + ", stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ", dilation "
                    + Arrays.toString(dilation) + " give a " + outH + "x" + outW + " output per channel, "
                    + size(outputs) + " values in all, more than a tensor holds (" + Integer.MAX_VALUE
                    + "; check padding and dilation)");
        }
        return new ConvGeometry(x[0], x[1], x[2], x[3], kernelH, kernelW, stride[0], stride[1], padding[0],
                padding[1], dilation[0], dilation[1], (int) outH, (int) outW);
    }

    /**
     * This geometry, once it is checked that its patch matrix ({@link #colsShape()}: N·OH·OW rows, C·KH·KW columns)
     * fits in a tensor, or an exception naming {@code op} and the sizes; for the ops that build that matrix.
     */
    public ConvGeometry withPatchMatrix(String op) {
        long rows = product(batch, outH, outW);
        long cols = product(channels, kernelH, kernelW);
        if (product(rows, cols) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(inputShape()) + ", kernel " + kernelH + "x"
                    + kernelW + ", padding [" + padH + ", " + padW + "], dilation [" + dilationH + ", " + dilationW
                    + "] give a " + outH + "x" + outW + " output, whose patch matrix (" + size(rows) + " positions x "
                    + size(cols) + ") would hold more than " + Integer.MAX_VALUE + " elements, the most a tensor "
                    + "holds (check padding and dilation, or use smaller batches)");
        }
        return this;
    }

    /** a·b·..., or Long.MAX_VALUE when that overflows a long (the factors here are never negative). */
    private static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f != 0 && p > Long.MAX_VALUE / f) {
                return Long.MAX_VALUE;
            }
            p *= f;
        }
        return p;
    }

    private static String size(long n) {
        return n == Long.MAX_VALUE ? "over 2^63" : Long.toString(n);
    }

    /** Checks a {height, width} pair of values, each at least {@code min}. */
    public static void pair(String op, String name, int[] v, int min) {
        if (v == null || v.length != 2 || v[0] < min || v[1] < min) {
            throw new IllegalArgumentException(op + ": " + name + " must be two values {height, width}, each at least "
                    + min + ", got " + Arrays.toString(v));
        }
    }

    /** The same window over {@code channels} channels (a group of a grouped convolution, or one plane for pooling). */
    public ConvGeometry withInput(int batch, int channels) {
        return new ConvGeometry(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW,
                dilationH, dilationW, outH, outW);
    }

    public int[] inputShape() {
        return new int[] {batch, channels, height, width};
    }

    /** The shape of the patch matrix: one row per output position, one column per (channel, kernel offset). */
    public int[] colsShape() {
        return new int[] {batch * outH * outW, channels * kernelH * kernelW};
    }
}
