package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.Arrays;
import org.tapegrad.core.internal.kernel.ConvGeometry;

/** 2-D pooling over the spatial dimensions of an [N, C, H, W] tensor, channel by channel. */
final class PoolOps {
    private static final int[] NO_DILATION = {1, 1};

    private PoolOps() {
    }

    /**
     * y[n, c, oh, ow] = max of x[n, c] over the window at (oh·sH - pH, ow·sW - pW); padding never wins (as if
     * -∞). The index of each maximum is kept, so dX = g added into x's shape at those indices (an indexAdd, whose
     * own rule is the matching indexSelect).
     */
    static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        ConvGeometry g = geometry("maxPool2d", x, kernel, stride, padding);
        int[] xs = x.shapeRef();
        Tensor out = Tensor.output(x.dtype(), new int[] {xs[0], xs[1], g.outH(), g.outW()});
        // The indices of the maxima are read only by the rules, so a pass that records nothing skips them (the
        // rules below are then never called).
        int[] argmax = Autograd.willRecord(x) ? Workspace.indices(out.numel()) : null;
        if (argmax == null) {
            x.dtype().kernels().maxPool2dValues(x.contiguousData(), g, out.matrix());
        } else {
            x.dtype().kernels().maxPool2d(x.contiguousData(), g, out.matrix(), argmax);
        }
        int numel = x.numel();
        return record("maxPool2d", out, (gr, needs) -> new Tensor[] {
                ShapeOps.indexAdd(gr.reshape(argmax.length, 1), argmax, numel).reshape(xs)},
                t -> ShapeOps.indexSelect(t[0].reshape(numel, 1), argmax).reshape(out.shapeRef()), x);
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
