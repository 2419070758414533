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
     * -∞). dX = g added into x's shape at the index of each window's first maximum ({@link #maxPool2dBackward}).
     * The forward pass computes the values alone, in its fastest loop; the maxima are found again from x and y
     * when a rule needs them.
     */
    static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        ConvGeometry g = geometry("maxPool2d", x, kernel, stride, padding);
        int[] xs = x.shapeRef();
        Tensor out = Tensor.output(x.dtype(), new int[] {xs[0], xs[1], g.outH(), g.outW()});
        x.dtype().kernels().maxPool2dValues(x.contiguousData(), g, out.matrix());
        Pooled pooled = new Pooled(x, g, out);
        return record("maxPool2d", out, (gr, needs) -> new Tensor[] {maxPool2dBackward(pooled, gr)},
                t -> pooled.selectMaxima(t[0]), x);
    }

    /**
     * maxPool2d's input gradient for the gradient {@code grad} of its output: grad added into x's shape at each
     * window's first maximum. It is linear in grad, so its rule (and its forward-mode rule) is the
     * selection of the gradient at those maxima; x and y are constants of it (the maxima only move where the
     * gradient jumps), as in PyTorch's {@code max_pool2d_with_indices_backward}.
     */
    private static Tensor maxPool2dBackward(Pooled p, Tensor grad) {
        p.checkUnmodified();
        Tensor dx = Tensor.uninitializedOutput(p.x.dtype(), p.x.shapeRef()); // every element is written
        p.x.dtype().kernels().maxPool2dBackward(p.x.contiguousData(), p.geometry, p.y.matrix(),
                grad.to(p.x.dtype()).contiguousData(), dx.matrix(), Workspace.indices(p.y.numel()));
        return record("maxPool2dBackward", dx, (gg, needs) -> new Tensor[] {p.selectMaxima(gg)},
                t -> maxPool2dBackward(p, t[0]), grad);
    }

    /**
     * {@link #maxPool2dBackward} of a pooling of x (held constant: not differentiated) for the output gradient
     * {@code grad}: the op on its own, as the gradient tables check it.
     */
    static Tensor maxPool2dBackward(Tensor x, int[] kernel, int[] stride, int[] padding, Tensor grad) {
        Tensor constant = x.detach().to(grad.dtype());
        Tensor y;
        try (Scope off = Tape.noGrad()) {
            y = maxPool2d(constant, kernel, stride, padding);
        }
        return maxPool2dBackward(new Pooled(constant, geometry("maxPool2d", x, kernel, stride, padding), y), grad);
    }

    /** A max pooling's input, geometry and output, as the pass left them: what its rules find the maxima from. */
    private static final class Pooled {
        final Tensor x;
        final ConvGeometry geometry;
        final Tensor y;
        private final int xVersion;
        private final int yVersion;

        Pooled(Tensor x, ConvGeometry geometry, Tensor y) {
            this.x = x;
            this.geometry = geometry;
            this.y = y;
            this.xVersion = x.storage().version;
            this.yVersion = y.storage().version;
        }

        void checkUnmodified() {
            if (y.storage().version != yVersion) {
                throw new IllegalStateException("maxPool2d: its output " + Shape.str(y.shapeRef()) + " was modified "
                        + "in place after the op was recorded, and the rule finds the maxima from it; modify a copy");
            }
            if (x.storage().version != xVersion) {
                throw new IllegalStateException("maxPool2d: its input " + Shape.str(x.shapeRef()) + " was modified "
                        + "in place after the op was recorded, and the rule finds the maxima from it; modify a copy");
            }
        }

        /**
         * t [x's shape] at each window's first maximum, in y's shape: the element of x that won each window is
         * the first with y's bits (the first NaN, for a NaN).
         */
        Tensor selectMaxima(Tensor t) {
            checkUnmodified();
            int[] argmax = Workspace.indices(y.numel());
            x.dtype().kernels().maxPool2dIndices(x.contiguousData(), geometry, y.matrix(), argmax);
            return ShapeOps.indexSelect(t.reshape(x.numel(), 1), argmax).reshape(y.shapeRef());
        }
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
