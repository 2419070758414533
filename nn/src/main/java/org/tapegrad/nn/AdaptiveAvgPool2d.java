package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/**
 * Average pooling to a fixed output size [N, C, outH, outW] whatever the input's H x W, as PyTorch's
 * {@code nn.AdaptiveAvgPool2d}: output row i averages input rows {@code floor(i·H/outH)} to
 * {@code ceil((i + 1)·H/outH) - 1} (windows may overlap, or repeat rows when outH > H), and the same for columns.
 *
 * <p>A mean over a rectangle is a mean over its rows of means over its columns, so the layer is two matrix products
 * with constant averaging matrices, {@code y = P_H · x · P_Wᵀ} per plane, where {@code P_H[i, h] = 1/(window
 * height)} inside row i's window. Gradient: {@code P_Hᵀ · g · P_W}, through the products.
 */
public class AdaptiveAvgPool2d extends Layer {
    private final int outH;
    private final int outW;

    /** A square {@code outputSize x outputSize} output. */
    public AdaptiveAvgPool2d(int outputSize) {
        this(outputSize, outputSize);
    }

    /** An {@code outH x outW} output. */
    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: the output size must be positive, got " + outH
                    + " x " + outW);
        }
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: expected input [N, C, H, W], got "
                    + Arrays.toString(input.shape()));
        }
        int[] s = input.shape();
        int planes = s[0] * s[1];
        int h = s[2];
        int w = s[3];
        Tensor cols = Tensor.matmul(input.reshape(planes * h, w), false, averaging(input, outW, w), true); // [planes·H, outW]
        Tensor rows = cols.reshape(planes, h, outW).transpose(1, 2).reshape(planes * outW, h);
        Tensor y = Tensor.matmul(rows, false, averaging(input, outH, h), true); // [planes·outW, outH]
        return y.reshape(planes, outW, outH).transpose(1, 2).reshape(s[0], s[1], outH, outW);
    }

    /** P [out, size]: row i is 1/(end - start) on PyTorch's window [start, end) of output i, zero elsewhere. */
    private static Tensor averaging(Tensor like, int out, int size) {
        double[] p = new double[out * size];
        for (int i = 0; i < out; i++) {
            int start = start(i, out, size);
            int end = end(i, out, size);
            for (int k = start; k < end; k++) {
                p[i * size + k] = 1.0 / (end - start);
            }
        }
        return Tensor.of(like.dtype(), p, out, size);
    }

    /** PyTorch's {@code start_index}: floor(i·size/out). */
    static int start(int i, int out, int size) {
        return (int) Math.floorDiv((long) i * size, out);
    }

    /** PyTorch's {@code end_index}: ceil((i + 1)·size/out). */
    static int end(int i, int out, int size) {
        return (int) -Math.floorDiv(-(long) (i + 1) * size, out);
    }

    @Override
    protected String extraRepr() {
        return "outputSize=[" + outH + ", " + outW + "]";
    }
}
