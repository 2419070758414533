package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.Arrays;
import org.tapegrad.core.internal.kernel.ConvGeometry;
import org.tapegrad.core.internal.kernel.Shape;

/** 2-D pooling over the spatial dimensions of an [N, C, H, W] tensor, channel by channel. */
final class PoolOps {
    private static final int[] NO_DILATION = {1, 1};

    private PoolOps() {
    }

    /**
     * y[n, c, oh, ow] = max of x[n, c] over the window at (oh·sH - pH, ow·sW - pW); padding never wins (as if
     * -∞). dX = g added into x's shape at the index of each window's first maximum (an indexAdd, whose own rule is
     * the matching indexSelect). The forward pass computes the values alone, in its fastest loop; the indices are
     * found again from x and y when a rule needs them (see {@link #maxima}).
     */
    static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        ConvGeometry g = geometry("maxPool2d", x, kernel, stride, padding);
        int[] xs = x.shapeRef();
        Tensor out = Tensor.output(x.dtype(), new int[] {xs[0], xs[1], g.outH(), g.outW()});
        x.dtype().kernels().maxPool2dValues(x.contiguousData(), g, out.matrix());
        int numel = x.numel();
        int outVersion = out.storage().version;
        return record("maxPool2d", out, (gr, needs) -> new Tensor[] {
                ShapeOps.indexAdd(gr.reshape(out.numel(), 1), maxima(x, g, out, outVersion), numel).reshape(xs)},
                t -> ShapeOps.indexSelect(t[0].reshape(numel, 1), maxima(x, g, out, outVersion))
                        .reshape(out.shapeRef()), x);
    }

    /**
     * The flat index into x of each window's first maximum, found from x and the values y it gave: the first
     * element with y's bits. Both are as the pass left them (the tape refuses an x modified in place since; this
     * refuses a modified y).
     */
    private static int[] maxima(Tensor x, ConvGeometry g, Tensor y, int yVersion) {
        if (y.storage().version != yVersion) {
            throw new IllegalStateException("maxPool2d: its output " + Shape.str(y.shapeRef()) + " was modified in "
                    + "place after the op was recorded, and the rule finds the maxima from it; modify a copy");
        }
        int[] argmax = Workspace.indices(y.numel());
        x.dtype().kernels().maxPool2dIndices(x.contiguousData(), g, y.matrix(), argmax);
        return argmax;
    }

    /**
     * y[n, c, oh, ow] = mean of x[n, c] over the window, the zero padding counted in the divisor KH·KW (PyTorch's
     * default, {@code count_include_pad=True}). Composed: the row means of the patch matrix of every plane, so
     * dX = col2im(g/(KH·KW) spread over each window).
     */
    static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        ConvGeometry g = geometry("avgPool2d", x, kernel, stride, padding);
        int[] xs = x.shapeRef();
        Tensor planes = x.reshape(xs[0] * xs[1], 1, xs[2], xs[3]);
        return ConvOps.im2col(planes, g.withInput(xs[0] * xs[1], 1).withPatchMatrix("avgPool2d")).mean(1, false)
                .reshape(xs[0], xs[1], g.outH(), g.outW());
    }

    private static ConvGeometry geometry(String op, Tensor x, int[] kernel, int[] stride, int[] padding) {
        if (kernel == null || kernel.length != 2) {
            throw new IllegalArgumentException(op + ": kernel size must be two values {height, width}, got "
                    + Arrays.toString(kernel));
        }
        ConvGeometry g = ConvGeometry.of(op, x.shapeRef(), kernel[0], kernel[1], stride, padding, NO_DILATION);
        if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) {
            throw new IllegalArgumentException(op + ": padding " + Arrays.toString(padding)
                    + " must be at most half the kernel " + Arrays.toString(kernel));
        }
        return g;
    }
}
