package org.tapegrad.core;

import java.util.Objects;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Operations on a range {@code [from, to)} of the flat, row-major elements of tensors laid out contiguously from
 * offset 0 (parameters, gradients, a step's outputs), for code that cuts one tensor's work across threads: each
 * thread takes its own range ({@code DataParallel}'s gradient sums, a team's optimizer step). They write storage in
 * place and are not recorded. The loops are the dtype kernels' (the float32 ones generated from the float64 ones),
 * so callers hold no {@code float[]}/{@code double[]} branch of their own.
 */
public final class Ranges {
    private Ranges() {
    }

    /**
     * {@code dst[i] += src[i]} for i in [from, to), in the tensors' dtype.
     *
     * @param src a tensor of dst's dtype and element count. Not modified.
     * @param dst Modified.
     */
    public static void add(Tensor src, Tensor dst, int from, int to) {
        check("add", dst, from, to);
        sameLayout("add", src, dst);
        dst.dtype().kernels().addRange(src.matrix(), dst.matrix(), from, to);
    }

    /** {@code t[i] = value} for i in [from, to). {@code t} modified. */
    public static void fill(Tensor t, double value, int from, int to) {
        check("fill", t, from, to);
        t.dtype().kernels().fillRange(t.matrix(), from, to, value);
    }

    /**
     * {@code dst[dstFrom + i] = src[i]} for every element i of {@code src}: a tensor's elements written into a range
     * of a larger one (the rows of one slice of a batch, say).
     *
     * @param src Not modified.
     * @param dst a tensor of src's dtype with at least {@code dstFrom + src.numel()} elements. Modified.
     */
    public static void copy(Tensor src, Tensor dst, int dstFrom) {
        Objects.requireNonNull(src, "src");
        check("copy", dst, dstFrom, dstFrom + src.numel());
        if (src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("Ranges.copy: dtypes " + src.dtype() + " and " + dst.dtype() + " differ");
        }
        dst.dtype().kernels().copyRange(src.contiguousData(), 0, dst.matrix(), dstFrom, src.numel());
    }

    private static void check(String op, Tensor t, int from, int to) {
        Objects.requireNonNull(t, "tensor");
        if (from < 0 || to < from || to > t.numel()) {
            throw new IndexOutOfBoundsException("Ranges." + op + ": range [" + from + ", " + to + ") is outside the "
                    + t.numel() + " elements of a " + Shape.str(t.shapeRef()) + " tensor");
        }
    }

    private static void sameLayout(String op, Tensor src, Tensor dst) {
        Objects.requireNonNull(src, "src");
        if (src.dtype() != dst.dtype() || src.numel() != dst.numel()) {
            throw new IllegalArgumentException("Ranges." + op + ": " + Shape.str(src.shapeRef()) + " " + src.dtype()
                    + " and " + Shape.str(dst.shapeRef()) + " " + dst.dtype() + " differ in dtype or element count");
        }
    }
}
