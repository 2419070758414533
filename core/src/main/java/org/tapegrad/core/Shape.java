package org.tapegrad.core;

import java.util.Arrays;

/**
 * Static helpers on shapes: row-major {@code int[]} of rank 0 to 4.
 *
 * <p>Broadcasting follows NumPy and PyTorch: shapes are aligned on their last dimension, and a dimension of size 1
 * stretches to match the other. Kernels work on shapes padded to rank 4 with leading ones.
 */
final class Shape {
    static final int MAX_RANK = 4;

    private Shape() {
    }

    static int[] of(int... shape) {
        return validate("shape", shape).clone();
    }

    static int[] validate(String op, int[] shape) {
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

    static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Rows of the matrix view: the first dimension (1 for a scalar). */
    static int rows(int[] shape) {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Columns of the matrix view: the product of all dimensions but the first. */
    static int cols(int[] shape) {
        int c = 1;
        for (int i = 1; i < shape.length; i++) {
            c *= shape[i];
        }
        return c;
    }

    static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** The shape padded to rank 4 with leading ones. */
    static int[] pad4(int[] shape) {
        int[] p = {1, 1, 1, 1};
        System.arraycopy(shape, 0, p, MAX_RANK - shape.length, shape.length);
        return p;
    }

    /** Row-major strides of {@code shape} padded to rank 4; a dimension of size 1 gets stride 0 (broadcast). */
    static int[] broadcastStrides4(int[] shape) {
        int[] p = pad4(shape);
        int[] s = new int[MAX_RANK];
        int stride = 1;
        for (int i = MAX_RANK - 1; i >= 0; i--) {
            s[i] = p[i] == 1 ? 0 : stride;
            stride *= p[i];
        }
        return s;
    }

    /** Plain row-major strides of {@code shape} (same rank). */
    static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = stride;
            stride *= shape[i];
        }
        return s;
    }

    /** The shape two operands broadcast to, or an exception naming the op and both shapes. */
    static int[] broadcast(String op, int[] a, int[] b) {
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
    static boolean broadcastsTo(int[] small, int[] big) {
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
    static int dim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for rank " + rank
                    + " (expected " + (-rank) + " to " + (rank - 1) + ")");
        }
        return d;
    }

    /** The shape with dimension {@code dim} set to 1 ({@code keepdim}) or removed. */
    static int[] reduced(int[] shape, int dim, boolean keepdim) {
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
    static int outer(int[] shape, int dim) {
        int n = 1;
        for (int i = 0; i < dim; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** Product of the dimensions after {@code dim}. */
    static int inner(int[] shape, int dim) {
        int n = 1;
        for (int i = dim + 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }
}
