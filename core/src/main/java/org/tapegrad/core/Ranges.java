package org.tapegrad.core;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Operations on a range {@code [from, to)} of the flat, row-major elements of tensors laid out contiguously from
 * offset 0 (parameters, gradients, a step's outputs), for code that cuts one tensor's work across threads: each
 * thread takes its own range ({@code DataParallel}'s gradient sums, a team's optimizer step). They write storage in
 * place and are not recorded. The loops are the dtype kernels' (the float32 ones generated from the float64 ones),
 * so callers hold no {@code float[]}/{@code double[]} branch of their own.
 *
 * <p>The {@link ByteBuffer} forms move a range to and from the bytes of a message (a process group's), each element
 * {@link DType#itemSize()} bytes in the buffer's byte order, starting at the buffer's position (which they do not
 * move).
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
        dst.dtype().kernels().addRange(src.matrix(), from, dst.matrix(), from, to - from);
    }

    /**
     * {@code dst[dstFrom + i] += src[srcFrom + i]} for i in [0, count), in the tensors' dtype: a range of one tensor
     * added into a range of another.
     *
     * @param src Not modified.
     * @param dst a tensor of src's dtype. Modified.
     */
    public static void add(Tensor src, int srcFrom, Tensor dst, int dstFrom, int count) {
        check("add", src, srcFrom, srcFrom + count);
        check("add", dst, dstFrom, dstFrom + count);
        sameDType("add", src, dst);
        dst.dtype().kernels().addRange(src.matrix(), srcFrom, dst.matrix(), dstFrom, count);
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
        sameDType("copy", src, dst);
        dst.dtype().kernels().copyRange(src.contiguousData(), 0, dst.matrix(), dstFrom, src.numel());
    }

    /**
     * {@code dst[dstFrom + i] = src[srcFrom + i]} for i in [0, count): a range of one tensor into a range of another.
     *
     * @param src Not modified.
     * @param dst a tensor of src's dtype. Modified.
     */
    public static void copy(Tensor src, int srcFrom, Tensor dst, int dstFrom, int count) {
        check("copy", src, srcFrom, srcFrom + count);
        check("copy", dst, dstFrom, dstFrom + count);
        sameDType("copy", src, dst);
        dst.dtype().kernels().copyRange(src.matrix(), srcFrom, dst.matrix(), dstFrom, count);
    }

    /** {@code t[i] = t[i] / divisor} for i in [from, to), a division in t's dtype. {@code t} modified. */
    public static void div(Tensor t, double divisor, int from, int to) {
        check("div", t, from, to);
        t.dtype().kernels().divRange(t.matrix(), from, to, divisor);
    }

    /**
     * Elements [from, to) of {@code src} into {@code out}, from its position. {@code src} not modified; {@code out}
     * modified (its position is not moved).
     *
     * @throws IllegalArgumentException when {@code out} has fewer than {@code (to - from)·itemSize} bytes remaining
     */
    public static void put(Tensor src, int from, int to, ByteBuffer out) {
        check("put", src, from, to);
        room("put", src.dtype(), to - from, out);
        src.dtype().kernels().putRange(src.matrix(), from, to - from, out);
    }

    /**
     * {@code dst[i] = in[i - from]} for i in [from, to): elements of {@code in}, from its position, into a range.
     * {@code in} not modified (its position is not moved); {@code dst} modified.
     */
    public static void get(ByteBuffer in, Tensor dst, int from, int to) {
        check("get", dst, from, to);
        room("get", dst.dtype(), to - from, in);
        dst.dtype().kernels().getRange(in, dst.matrix(), from, to - from);
    }

    /**
     * {@code dst[i] += in[i - from]} for i in [from, to), in dst's dtype: a range summed with the elements of a
     * message. {@code in} not modified (its position is not moved); {@code dst} modified.
     */
    public static void add(ByteBuffer in, Tensor dst, int from, int to) {
        check("add", dst, from, to);
        room("add", dst.dtype(), to - from, in);
        dst.dtype().kernels().addRange(in, dst.matrix(), from, to - from);
    }

    private static void room(String op, DType dtype, int count, ByteBuffer b) {
        Objects.requireNonNull(b, "buffer");
        if (b.remaining() < (long) count * dtype.itemSize()) {
            throw new IllegalArgumentException("Ranges." + op + ": " + count + " " + dtype + " elements need "
                    + (long) count * dtype.itemSize() + " bytes; the buffer has " + b.remaining() + " remaining");
        }
    }

    private static void sameDType(String op, Tensor src, Tensor dst) {
        if (src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("Ranges." + op + ": dtypes " + src.dtype() + " and " + dst.dtype()
                    + " differ");
        }
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
