package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/**
 * Splits dimension {@code dim} into {@code sizes} (the inverse of {@link Flatten}): with dim 1 and sizes
 * {1, 28, 28}, MNIST rows [N, 784] become images [N, 1, 28, 28]. A reshape, so no data is copied.
 */
public class Unflatten extends Layer {
    private final int dim;
    private final int[] sizes;

    /** Splits dimension {@code dim} (non-negative) into {@code sizes}, whose product must be its size. */
    public Unflatten(int dim, int... sizes) {
        if (dim < 0 || sizes.length == 0) {
            throw new IllegalArgumentException("Unflatten: expected a dimension >= 0 and at least one size, got "
                    + dim + " and " + Arrays.toString(sizes));
        }
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        int[] s = input.shape();
        int product = 1;
        for (int v : sizes) {
            product *= v;
        }
        if (dim >= s.length || s[dim] != product) {
            throw new IllegalArgumentException(this + ": input " + Arrays.toString(s) + " has no dimension " + dim
                    + " of size " + product);
        }
        int[] out = new int[s.length - 1 + sizes.length];
        System.arraycopy(s, 0, out, 0, dim);
        System.arraycopy(sizes, 0, out, dim, sizes.length);
        System.arraycopy(s, dim + 1, out, dim + sizes.length, s.length - dim - 1);
        return input.reshape(out);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim + ", sizes=" + Arrays.toString(sizes);
    }
}
