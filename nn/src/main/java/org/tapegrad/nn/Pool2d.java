package org.tapegrad.nn;

import java.util.Arrays;
import java.util.List;
import org.tapegrad.core.Tensor;

/**
 * What {@link MaxPool2d} and {@link AvgPool2d} share: window size, stride, padding and {@code ceilMode}, validated
 * once, and error messages that name the layer. Subclasses apply their pooling op.
 *
 * <p>With {@code ceilMode} the output size is PyTorch's {@code ceil((H + 2p - k)/s) + 1}, less one when the last
 * window would start in the right padding ({@code (out - 1)·s >= H + p}), so a last, partial window covers what
 * floor mode leaves out. It is computed on the input extended by the rows and columns that partial window overhangs
 * (see the subclasses); without an overhang the op is the floor-mode one.
 */
public abstract class Pool2d extends Layer {
    final int[] kernel;
    final int[] stride;
    final int[] padding;
    final boolean ceilMode;

    Pool2d(String name, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        this.kernel = Conv2d.pair(name + ": kernel", kernel, 1);
        this.stride = Conv2d.pair(name + ": stride", stride, 1);
        this.padding = Conv2d.pair(name + ": padding", padding, 0);
        this.ceilMode = ceilMode;
    }

    /** k x k windows with stride k (PyTorch's default stride) and no padding. */
    static int[] square(int k) {
        return new int[] {k, k};
    }

    /** The pooling op itself on this layer's geometry, on an input already extended for ceil mode. */
    abstract Tensor pool(Tensor input);

    /**
     * The ceil-mode output of {@link #pool} on the input extended by {@code extra} = {rows, columns} at the bottom
     * and right, each dimension's overhang.
     */
    abstract Tensor poolCeil(Tensor input, int[] extra);

    @Override
    public Tensor forward(Tensor input) {
        try {
            if (ceilMode && input.rank() == 4) {
                int[] extra = {overhang(input.size(2), 0), overhang(input.size(3), 1)};
                if (extra[0] > 0 || extra[1] > 0) {
                    return poolCeil(input, extra);
                }
            }
            return pool(input);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(this + ": " + e.getMessage(), e);
        }
    }

    /** PyTorch's output size along dimension d (0 = height) of an input of size {@code size}. */
    int outputSize(int size, int d) {
        int span = size + 2 * padding[d] - kernel[d];
        if (span < 0) {
            return 0; // too small: the op's own check names it
        }
        int out = ceilMode ? Math.floorDiv(span + stride[d] - 1, stride[d]) + 1 : span / stride[d] + 1;
        if (ceilMode && (out - 1) * stride[d] >= size + padding[d]) {
            out--; // the last window would start in the right padding
        }
        return out;
    }

    /** How far ceil mode's last window reaches past the padded input along dimension d (0 if it does not). */
    private int overhang(int size, int d) {
        int out = outputSize(size, d);
        return out == 0 ? 0 : Math.max(0, (out - 1) * stride[d] + kernel[d] - (size + 2 * padding[d]));
    }

    /** {@code x} with {@code rows} more rows at the bottom and {@code cols} more columns at the right, from {@code fill}. */
    static Tensor extend(Tensor x, int[] extra, java.util.function.BiFunction<Tensor, int[], Tensor> fill) {
        Tensor y = x;
        for (int d = 0; d < 2; d++) {
            if (extra[d] > 0) {
                int dim = 2 + d;
                int[] shape = y.shape();
                shape[dim] = extra[d];
                y = Tensor.concat(List.of(y, fill.apply(y.narrow(dim, y.size(dim) - 1, 1), shape)), dim);
            }
        }
        return y;
    }

    @Override
    protected String extraRepr() {
        return "kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + (ceilMode ? ", ceilMode=true" : "");
    }
}
