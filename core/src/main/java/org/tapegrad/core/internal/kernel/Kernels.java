package org.tapegrad.core.internal.kernel;

import java.nio.ByteBuffer;
import org.ejml.data.Matrix;
import org.tapegrad.core.DType;
import org.tapegrad.core.gemm.MatmulKernel;

/**
 * The dtype-specific layer: every loop that touches a {@code float[]} or {@code double[]} lives behind this
 * interface, so ops and backward rules are written once, in terms of {@link org.tapegrad.core.Tensor} operations.
 *
 * <p>{@link Float64Kernels} is written by hand; {@link Float32Kernels} is generated from it at build time (by
 * {@code core/src/build/Float32Twin.java}), as EJML generates its float classes from the double ones.
 *
 * <p>Kernels that take a {@link Matrix} alone read and write its first rows·cols elements in row-major order (a
 * tensor gives one through {@code Tensor.contiguousData()} or, for a result it just created, {@code matrix()});
 * the strided kernels take an offset and strides per operand, so that they read and write views in place. Output
 * arguments are "Modified", all others "Not modified". Matrices are EJML row-major matrices of the kernel's dtype.
 */
public interface Kernels {

    DType dtype();

    /** A new zero-filled matrix. */
    Matrix create(int rows, int cols);

    /** A matrix of another row/column split over the same storage (a free reshape). */
    Matrix wrap(Matrix shared, int rows, int cols);

    double get(Matrix m, int index);

    void set(Matrix m, int index, double value);

    void fill(Matrix m, double value);

    /** dst = src, element by element (same element count). */
    void copy(Matrix src, Matrix dst);

    double[] toDoubleArray(Matrix m);

    float[] toFloatArray(Matrix m);

    void fromDoubleArray(double[] src, Matrix dst);

    void fromFloatArray(float[] src, Matrix dst);

    /** True when no element is NaN or infinite. */
    boolean allFinite(Matrix m);

    /** out[i] = fn(x[i]; p, q). {@code out} may be {@code x}. */
    void map(UnaryFn fn, double p, double q, Matrix x, Matrix out);

    /** out[i] = g[i] where x[i] &gt; 0, else slope·g[i]: the backward of relu (slope 0) and leaky relu in one pass. */
    void reluBackward(Matrix g, Matrix x, double slope, Matrix out);

    /**
     * {@code out[oo + i·os] = fn(a[ao + i·as], b[bo + i·bs])} for every index i of {@code shape} (i·s is the dot
     * product of an index with strides): broadcasting arithmetic on tensors and views of any rank. A stride of 0
     * broadcasts; {@code out} may be {@code a} with the same offset and strides (an in-place update, or with strides
     * of 0 along reduced dimensions, a sum into it).
     */
    void zip(BinaryFn fn, Matrix a, int aOffset, int[] aStrides, Matrix b, int bOffset, int[] bStrides, Matrix out,
            int outOffset, int[] outStrides, int[] shape);

    /** {@code dst[do + i·ds] = src[so + i·ss]} for every index i of {@code shape}: contiguous copies of views. */
    void copyStrided(Matrix src, int srcOffset, int[] srcStrides, Matrix dst, int dstOffset, int[] dstStrides,
            int[] shape);

    /** y += alpha·x (same element count). */
    void axpy(double alpha, Matrix x, Matrix y);

    /** {@code dst[dstFrom + i] += src[srcFrom + i]} for i in [0, count), in the dtype's arithmetic. */
    void addRange(Matrix src, int srcFrom, Matrix dst, int dstFrom, int count);

    /** {@code m[i] = value} for i in [from, to). */
    void fillRange(Matrix m, int from, int to, double value);

    /** {@code dst[dstFrom + i] = src[srcFrom + i]} for i in [0, count). */
    void copyRange(Matrix src, int srcFrom, Matrix dst, int dstFrom, int count);

    /** {@code m[i] /= divisor} for i in [from, to), a division in the dtype's arithmetic. */
    void divRange(Matrix m, int from, int to, double divisor);

    /**
     * Elements {@code [from, from + count)} of {@code src} into {@code out} from its position, in its byte order
     * (its position is not moved).
     */
    void putRange(Matrix src, int from, int count, ByteBuffer out);

    /** {@code dst[to + i] = in[i]} for i in [0, count), {@code in} read from its position in its byte order. */
    void getRange(ByteBuffer in, Matrix dst, int to, int count);

    /** {@code dst[to + i] += in[i]} for i in [0, count), in the dtype's arithmetic; {@code in} as for getRange. */
    void addRange(ByteBuffer in, Matrix dst, int to, int count);

    /** {@code m[i] = 0} with probability p (one {@code rng.nextDouble()} per element, in order), else {@code keep}, for i in [0, n). */
    void bernoulliMask(Matrix m, int n, double p, double keep, java.util.random.RandomGenerator rng);

    /** Sum of all elements, accumulated in double precision. */
    double sum(Matrix x);

    /** Maximum and its first index along the middle axis of x viewed as [outer, n, inner]. */
    void maxAlong(Matrix x, int outer, int n, int inner, Matrix values, int[] argmax);

    /** Softmax (or log-softmax) along the middle axis of x viewed as [outer, n, inner], shifted by the maximum. */
    void softmaxAlong(Matrix x, int outer, int n, int inner, Matrix out, boolean log);

    /** Row i of out = row index[i] of x; rows are {@code cols} long. */
    void indexSelectRows(Matrix x, int cols, int[] index, Matrix out);

    /** Row index[i] of out += row i of src; rows are {@code cols} long. */
    void indexAddRows(Matrix src, int cols, int[] index, Matrix out);

    /** Sum over rows i of x[i, labels[i]] in double precision; x has {@code cols} columns. */
    double pickSum(Matrix x, int cols, int[] labels);

    /** c = op(a)·op(b), or c += op(a)·op(b) when {@code accumulate}; through the installed {@link MatmulKernel}. */
    void gemm(Matrix a, boolean transposeA, Matrix b, boolean transposeB, Matrix c, boolean accumulate);

    /**
     * The patch matrix of a sliding window (see {@link ConvGeometry}): {@code cols[(n·OH + oh)·OW + ow,
     * (c·KH + i)·KW + j] = x[n, c, oh·sH - pH + i·dH, ow·sW - pW + j·dW]}, 0 where that falls in the padding.
     * {@code x} is [N, C, H, W], {@code cols} is [N·OH·OW, C·KH·KW].
     */
    void im2col(Matrix x, ConvGeometry g, Matrix cols);

    /** The adjoint of {@link #im2col}: each entry of {@code cols} is added into the element of {@code x} it came
     *  from (entries from the padding are dropped). {@code x}: modified (accumulated into). */
    void col2im(Matrix cols, ConvGeometry g, Matrix x);

    /**
     * The transposed patch matrix, one row per (channel, kernel offset) and one column per output position:
     * {@code colsT[(c·KH + i)·KW + j, (n·OH + oh)·OW + ow] = x[n, c, oh·sH - pH + i·dH, ow·sW - pW + j·dW]}, 0 where
     * that falls in the padding; {@code colsT} is [C·KH·KW, N·OH·OW]. The transpose of {@link #im2col}, laid out so
     * that each output row of one kernel offset is a run of input row (a copy when the stride is 1).
     */
    void im2colTransposed(Matrix x, ConvGeometry g, Matrix colsT);

    /** The adjoint of {@link #im2colTransposed}: each entry of {@code colsT} is added into the element of {@code x} it
     *  came from (entries from the padding are dropped). {@code x}: modified (accumulated into). */
    void col2imTransposed(Matrix colsT, ConvGeometry g, Matrix x);

    /**
     * Max pooling: {@code out[n, c, oh, ow]} is the maximum of x over the window (padding excluded, NaN propagates)
     * and {@code argmax} the flat index into x of its first occurrence, in one pass. The op itself computes the
     * values alone ({@link #maxPool2dValues}) and its rules find the indices from them ({@link #maxPool2dIndices}),
     * which is faster; the two must agree with this one bit for bit.
     */
    void maxPool2d(Matrix x, ConvGeometry g, Matrix out, int[] argmax);

    /** {@link #maxPool2d}'s values without the indices of the maxima. */
    void maxPool2dValues(Matrix x, ConvGeometry g, Matrix out);

    /**
     * {@link #maxPool2d}'s indices, found again from x and the values {@code out} it gave: the first element of each
     * window with the bits of its maximum (the first NaN, for a NaN maximum), -1 for a window with no element.
     */
    void maxPool2dIndices(Matrix x, ConvGeometry g, Matrix out, int[] argmax);

    /**
     * The gradient of max pooling: {@code dx} (every element written) is zero except at the indices
     * {@link #maxPool2dIndices} finds from x and {@code out} (into {@code argmax}, as long as out), where each
     * window's element of {@code grad} is added.
     */
    void maxPool2dBackward(Matrix x, ConvGeometry g, Matrix out, Matrix grad, Matrix dx, int[] argmax);
}
