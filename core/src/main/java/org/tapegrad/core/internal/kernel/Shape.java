package org.tapegrad.core.internal.kernel;

import java.util.Arrays;

/**
 * Static helpers on shapes and strides: {@code int[]} of rank 0 to {@link #MAX_RANK}.
 *
 * <p>Broadcasting follows NumPy and PyTorch: shapes are aligned on their last dimension, and a dimension of size 1
 * stretches to match the other. A tensor's element {@code (i_0, ..., i_{r-1})} lives at
 * {@code offset + Σ i_k·strides[k]} of its storage; row-major (contiguous) strides are
 * {@code strides[k] = Π_{j>k} shape[j]}, and a stride of 0 repeats one element along a dimension (broadcast).
 */
public final class Shape {
    public static final int MAX_RANK = 8;

    private Shape() {
    }

    public static int[] of(int... shape) {
        return validate("shape", shape).clone();
    }

    public static int[] validate(String op, int[] shape) {
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException(op + ": rank " + shape.length + " is not supported (shape "
                    + str(shape) + "); tensors have rank 0 to " + MAX_RANK);
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than 2^31-1 elements");
            }
        }
        return shape;
    }

    public static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Rows of the matrix view: the first dimension (1 for a scalar). */
    public static int rows(int[] shape) {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Columns of the matrix view: the product of all dimensions but the first. */
    public static int cols(int[] shape) {
        int c = 1;
        for (int i = 1; i < shape.length; i++) {
            c *= shape[i];
        }
        return c;
    }

    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * True when {@code strides} lay {@code shape} out row-major without gaps (dimensions of size 1 may have any
     * stride, as in PyTorch), so that element i of the row-major order is at {@code offset + i}.
     */
    public static boolean isRowMajor(int[] shape, int[] strides) {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 0) {
                return true;
            }
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * The strides that read a tensor of {@code shape} and {@code strides} broadcast to {@code target} (which it
     * must broadcast to): aligned on the last dimension, 0 along new leading dimensions and along dimensions of
     * size 1 that stretch.
     */
    public static int[] expandedStrides(int[] shape, int[] strides, int[] target) {
        if (java.util.Arrays.equals(shape, target)) {
            return strides;
        }
        int[] out = new int[target.length];
        int off = target.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            out[off + i] = shape[i] == 1 && target[off + i] != 1 ? 0 : strides[i];
        }
        return out;
    }

    /** Plain row-major strides of {@code shape} (same rank). */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = stride;
            stride *= shape[i];
        }
        return s;
    }

    /** The shape two operands broadcast to, or an exception naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        if (Arrays.equals(a, b)) {
            return a;
        }
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** True when {@code small} broadcasts to {@code big}. */
    public static boolean broadcastsTo(int[] small, int[] big) {
        if (small.length > big.length) {
            return false;
        }
        int off = big.length - small.length;
        for (int i = 0; i < small.length; i++) {
            if (small[i] != 1 && small[i] != big[i + off]) {
                return false;
            }
        }
        return true;
    }

    /** A dimension index with negative values counted from the end, as in PyTorch; validated. */
    public static int dim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for rank " + rank
                    + " (expected " + (-rank) + " to " + (rank - 1) + ")");
        }
        return d;
    }

    /** The shape with dimension {@code dim} set to 1 ({@code keepdim}) or removed. */
    public static int[] reduced(int[] shape, int dim, boolean keepdim) {
        if (keepdim) {
            int[] s = shape.clone();
            s[dim] = 1;
            return s;
        }
        int[] s = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != dim) {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    /** Product of the dimensions before {@code dim}. */
    public static int outer(int[] shape, int dim) {
        int n = 1;
        for (int i = 0; i < dim; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** Product of the dimensions after {@code dim}. */
    public static int inner(int[] shape, int dim) {
        int n = 1;
        for (int i = dim + 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }
}
