// Hand-written. Float32Kernels is generated from this file at build time (core/src/build/Float32Twin.java): edit here.
package org.tapegrad.core.internal.kernel;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.Matrix;
import org.tapegrad.core.DType;
import org.tapegrad.core.gemm.Matmul;

/** {@link Kernels} for {@link DType#FLOAT64}, on EJML {@code DMatrixRMaj}. */
public final class Float64Kernels implements Kernels {
    public static final Float64Kernels INSTANCE = new Float64Kernels();

    private Float64Kernels() {
    }

    private static double[] data(Matrix m) {
        return ((DMatrixRMaj) m).data;
    }

    private static int size(Matrix m) {
        return m.getNumRows() * m.getNumCols();
    }

    @Override
    public DType dtype() {
        return DType.FLOAT64;
    }

    @Override
    public Matrix create(int rows, int cols) {
        return new DMatrixRMaj(rows, cols);
    }

    @Override
    public Matrix wrap(Matrix shared, int rows, int cols) {
        return DMatrixRMaj.wrap(rows, cols, data(shared));
    }

    @Override
    public double get(Matrix m, int index) {
        return data(m)[index];
    }

    @Override
    public void set(Matrix m, int index, double value) {
        data(m)[index] = (double) value;
    }

    @Override
    public void fill(Matrix m, double value) {
        double[] d = data(m);
        Arrays.fill(d, 0, size(m), (double) value);
    }

    @Override
    public void copy(Matrix src, Matrix dst) {
        System.arraycopy(data(src), 0, data(dst), 0, size(src));
    }

    @Override
    public double[] toDoubleArray(Matrix m) { // both dtypes
        double[] d = data(m);
        double[] out = new double[size(m)]; // both dtypes
        for (int i = 0; i < out.length; i++) {
            out[i] = d[i];
        }
        return out;
    }

    @Override
    public float[] toFloatArray(Matrix m) {
        double[] d = data(m);
        float[] out = new float[size(m)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    @Override
    public void fromDoubleArray(double[] src, Matrix dst) { // both dtypes
        double[] d = data(dst);
        for (int i = 0; i < src.length; i++) {
            d[i] = (double) src[i];
        }
    }

    @Override
    public void fromFloatArray(float[] src, Matrix dst) {
        double[] d = data(dst);
        for (int i = 0; i < src.length; i++) {
            d[i] = src[i];
        }
    }

    @Override
    public boolean allFinite(Matrix m) {
        double[] d = data(m);
        int n = size(m);
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(d[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void map(UnaryFn fn, double p, double q, Matrix x, Matrix out) {
        double[] s = data(x);
        double[] d = data(out);
        int n = size(x);
        // The functions of every training step get loops of their own, which the JIT vectorises.
        switch (fn) {
            case RELU:
                for (int i = 0; i < n; i++) {
                    d[i] = Math.max(s[i], 0); // branch-free: signs are random, so a branch would mispredict
                }
                return;
            case AFFINE:
                for (int i = 0; i < n; i++) {
                    d[i] = (double) (p * s[i] + q);
                }
                return;
            default:
                for (int i = 0; i < n; i++) {
                    d[i] = (double) fn.apply(s[i], p, q);
                }
        }
    }

    @Override
    public void reluBackward(Matrix g, Matrix x, double slope, Matrix out) {
        double[] gd = data(g);
        double[] xd = data(x);
        double[] d = data(out);
        int n = size(x);
        if (slope == 0) {
            for (int i = 0; i < n; i++) {
                d[i] = Select.ifPositive(xd[i], gd[i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                d[i] = xd[i] > 0 ? gd[i] : (double) (slope * gd[i]);
            }
        }
    }

    @Override
    public void zip(BinaryFn fn, Matrix a, int ao, int[] as, Matrix b, int bo, int[] bs, Matrix out, int oo, int[] os,
            int[] shape) {
        double[] x = data(a);
        double[] y = data(b);
        double[] d = data(out);
        if (Shape.isRowMajor(shape, as) && Shape.isRowMajor(shape, os)) { // no allocation on the common paths
            int total = Shape.numel(shape);
            if (Shape.isRowMajor(shape, bs)) {
                run(fn, x, ao, y, bo, false, d, oo, total);
                return;
            }
            if (isZero(bs)) {
                run(fn, x, ao, y, bo, true, d, oo, total);
                return;
            }
        }
        if (shape.length == 2) { // matrices and their views, the common case, walked without allocating
            for (int r = 0; r < shape[0]; r++) {
                zipRow(fn, x, ao + r * as[0], as[1], y, bo + r * bs[0], bs[1], d, oo + r * os[0], os[1], shape[1]);
            }
            return;
        }
        StridedLoop loop = StridedLoop.of(shape, ao, as, bo, bs, oo, os);
        for (int r = 0; r < loop.rows; r++, loop.next()) {
            zipRow(fn, x, loop.pos[0], loop.step[0], y, loop.pos[1], loop.step[1], d, loop.pos[2], loop.step[2],
                    loop.inner);
        }
    }

    /** One row of {@link #zip}: n elements from the given starts and strides. */
    private static void zipRow(BinaryFn fn, double[] x, int ia, int sa, double[] y, int ib, int sb, double[] d, int io,
            int so, int n) {
        if (sa == 1 && so == 1 && (sb == 1 || sb == 0)) { // rows of a contiguous loop, e.g. a bias broadcast over rows
            run(fn, x, ia, y, ib, sb == 0, d, io, n);
        } else {
            for (int i = 0; i < n; i++) {
                d[io + i * so] = (double) fn.apply(x[ia + i * sa], y[ib + i * sb]);
            }
        }
    }

    private static boolean isZero(int[] strides) {
        for (int s : strides) {
            if (s != 0) {
                return false;
            }
        }
        return true;
    }

    /** d[o + i] = fn(x[xo + i], y[yo + i] or y[yo]) for i in 0..len: one tight loop per function. */
    private static void run(BinaryFn fn, double[] x, int xo, double[] y, int yo, boolean scalar, double[] d, int o,
            int len) {
        if (scalar) {
            double v = y[yo];
            switch (fn) {
                case ADD:
                    for (int i = 0; i < len; i++) {
                        d[o + i] = x[xo + i] + y[yo]; // no local: the float32 twin stays in float
                    }
                    return;
                case MUL:
                    for (int i = 0; i < len; i++) {
                        d[o + i] = x[xo + i] * y[yo];
                    }
                    return;
                default:
                    for (int i = 0; i < len; i++) {
                        d[o + i] = (double) fn.apply(x[xo + i], v);
                    }
            }
            return;
        }
        switch (fn) {
            case ADD:
                for (int i = 0; i < len; i++) {
                    d[o + i] = x[xo + i] + y[yo + i];
                }
                return;
            case SUB:
                for (int i = 0; i < len; i++) {
                    d[o + i] = x[xo + i] - y[yo + i];
                }
                return;
            case MUL:
                for (int i = 0; i < len; i++) {
                    d[o + i] = x[xo + i] * y[yo + i];
                }
                return;
            default:
                for (int i = 0; i < len; i++) {
                    d[o + i] = (double) fn.apply(x[xo + i], y[yo + i]);
                }
        }
    }

    @Override
    public void copyStrided(Matrix src, int so, int[] ss, Matrix dst, int dO, int[] ds, int[] shape) {
        double[] s = data(src);
        double[] d = data(dst);
        if (Shape.isRowMajor(shape, ss) && Shape.isRowMajor(shape, ds)) {
            System.arraycopy(s, so, d, dO, Shape.numel(shape));
            return;
        }
        if (shape.length == 2) { // without allocating
            for (int r = 0; r < shape[0]; r++) {
                copyRow(s, so + r * ss[0], ss[1], d, dO + r * ds[0], ds[1], shape[1]);
            }
            return;
        }
        StridedLoop loop = StridedLoop.of(shape, so, ss, dO, ds);
        for (int r = 0; r < loop.rows; r++, loop.next()) {
            copyRow(s, loop.pos[0], loop.step[0], d, loop.pos[1], loop.step[1], loop.inner);
        }
    }

    private static void copyRow(double[] s, int from, int s0, double[] d, int to, int s1, int n) {
        if (s0 == 1 && s1 == 1) {
            System.arraycopy(s, from, d, to, n);
        } else {
            for (int i = 0; i < n; i++) {
                d[to + i * s1] = s[from + i * s0];
            }
        }
    }

    @Override
    public void axpy(double alpha, Matrix x, Matrix y) {
        double[] s = data(x);
        double[] d = data(y);
        int n = size(x);
        double a = (double) alpha;
        for (int i = 0; i < n; i++) {
            d[i] += a * s[i];
        }
    }

    @Override
    public void addRange(Matrix src, int srcFrom, Matrix dst, int dstFrom, int count) {
        double[] s = data(src);
        double[] d = data(dst);
        for (int i = 0; i < count; i++) {
            d[dstFrom + i] += s[srcFrom + i];
        }
    }

    @Override
    public void fillRange(Matrix m, int from, int to, double value) {
        Arrays.fill(data(m), from, to, (double) value);
    }

    @Override
    public void copyRange(Matrix src, int srcFrom, Matrix dst, int dstFrom, int count) {
        System.arraycopy(data(src), srcFrom, data(dst), dstFrom, count);
    }

    @Override
    public void divRange(Matrix m, int from, int to, double divisor) {
        double[] d = data(m);
        for (int i = from; i < to; i++) {
            d[i] /= (double) divisor; // the cast becomes (float) in the twin: a division in float
        }
    }

    @Override
    public void putRange(Matrix src, int from, int count, ByteBuffer out) {
        out.asDoubleBuffer().put(data(src), from, count);
    }

    @Override
    public void getRange(ByteBuffer in, Matrix dst, int to, int count) {
        in.asDoubleBuffer().get(data(dst), to, count);
    }

    @Override
    public void addRange(ByteBuffer in, Matrix dst, int to, int count) {
        DoubleBuffer b = in.asDoubleBuffer();
        double[] d = data(dst);
        for (int i = 0; i < count; i++) {
            d[to + i] += b.get(i);
        }
    }

    @Override
    public void bernoulliMask(Matrix m, int n, double p, double keep, java.util.random.RandomGenerator rng) {
        double[] d = data(m);
        for (int i = 0; i < n; i++) {
            d[i] = rng.nextDouble() < p ? 0 : (double) keep;
        }
    }

    @Override
    public double sum(Matrix x) {
        double[] s = data(x);
        int n = size(x);
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += s[i];
        }
        return total;
    }

    @Override
    public void maxAlong(Matrix x, int outer, int n, int inner, Matrix values, int[] argmax) {
        double[] s = data(x);
        double[] v = data(values);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * n * inner + j;
                double best = s[base];
                int at = 0;
                for (int k = 1; k < n; k++) {
                    double c = s[base + k * inner];
                    if (c > best || (c != c && best == best)) { // NaN propagates, as in PyTorch
                        best = c;
                        at = k;
                    }
                }
                v[o * inner + j] = (double) best;
                argmax[o * inner + j] = at;
            }
        }
    }

    @Override
    public void softmaxAlong(Matrix x, int outer, int n, int inner, Matrix out, boolean log) {
        double[] s = data(x);
        double[] d = data(out);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * n * inner + j;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < n; k++) {
                    max = Math.max(max, s[base + k * inner]);
                }
                double total = 0;
                for (int k = 0; k < n; k++) {
                    total += Math.exp(s[base + k * inner] - max);
                }
                if (log) {
                    double shift = max + Math.log(total);
                    for (int k = 0; k < n; k++) {
                        d[base + k * inner] = (double) (s[base + k * inner] - shift);
                    }
                } else {
                    double scale = 1 / total;
                    for (int k = 0; k < n; k++) {
                        d[base + k * inner] = (double) (Math.exp(s[base + k * inner] - max) * scale);
                    }
                }
            }
        }
    }

    @Override
    public void indexSelectRows(Matrix x, int cols, int[] index, Matrix out) {
        double[] s = data(x);
        double[] d = data(out);
        for (int i = 0; i < index.length; i++) {
            System.arraycopy(s, index[i] * cols, d, i * cols, cols);
        }
    }

    @Override
    public void indexAddRows(Matrix src, int cols, int[] index, Matrix out) {
        double[] s = data(src);
        double[] d = data(out);
        for (int i = 0; i < index.length; i++) {
            int to = index[i] * cols;
            int from = i * cols;
            for (int c = 0; c < cols; c++) {
                d[to + c] += s[from + c];
            }
        }
    }

    @Override
    public double pickSum(Matrix x, int cols, int[] labels) {
        double[] s = data(x);
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            total += s[i * cols + labels[i]];
        }
        return total;
    }

    @Override
    public void gemm(Matrix a, boolean transposeA, Matrix b, boolean transposeB, Matrix c, boolean accumulate) {
        Matmul.kernel().gemm((DMatrixRMaj) a, transposeA, (DMatrixRMaj) b, transposeB, (DMatrixRMaj) c,
                accumulate);
    }

    @Override
    public void im2col(Matrix x, ConvGeometry g, Matrix cols) {
        double[] src = data(x);
        double[] dst = data(cols);
        int height = g.height();
        int width = g.width();
        int channels = g.channels();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int dh = g.dilationH();
        int dw = g.dilationW();
        int plane = height * width;
        int k = 0;
        for (int n = 0; n < g.batch(); n++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = oh * g.strideH() - g.padH();
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = ow * g.strideW() - g.padW();
                    boolean colsInside = w0 >= 0 && w0 + (kw - 1) * dw < width;
                    for (int c = 0; c < channels; c++) {
                        int base = (n * channels + c) * plane;
                        for (int i = 0; i < kh; i++, k += kw) {
                            int h = h0 + i * dh;
                            if (h < 0 || h >= height) {
                                Arrays.fill(dst, k, k + kw, 0);
                            } else if (colsInside) { // the common case: no bounds to check along the row
                                int from = base + h * width + w0;
                                for (int j = 0; j < kw; j++) {
                                    dst[k + j] = src[from + j * dw];
                                }
                            } else {
                                for (int j = 0; j < kw; j++) {
                                    int w = w0 + j * dw;
                                    dst[k + j] = w >= 0 && w < width ? src[base + h * width + w] : 0;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void col2im(Matrix cols, ConvGeometry g, Matrix x) {
        double[] src = data(cols);
        double[] dst = data(x);
        int height = g.height();
        int width = g.width();
        int channels = g.channels();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int dh = g.dilationH();
        int dw = g.dilationW();
        int plane = height * width;
        int k = 0;
        for (int n = 0; n < g.batch(); n++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = oh * g.strideH() - g.padH();
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = ow * g.strideW() - g.padW();
                    boolean colsInside = w0 >= 0 && w0 + (kw - 1) * dw < width;
                    for (int c = 0; c < channels; c++) {
                        int base = (n * channels + c) * plane;
                        for (int i = 0; i < kh; i++, k += kw) {
                            int h = h0 + i * dh;
                            if (h < 0 || h >= height) {
                                continue; // entries from the padding are dropped
                            }
                            if (colsInside) {
                                int to = base + h * width + w0;
                                for (int j = 0; j < kw; j++) {
                                    dst[to + j * dw] += src[k + j];
                                }
                            } else {
                                for (int j = 0; j < kw; j++) {
                                    int w = w0 + j * dw;
                                    if (w >= 0 && w < width) {
                                        dst[base + h * width + w] += src[k + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void im2colTransposed(Matrix x, ConvGeometry g, Matrix colsT) {
        double[] src = data(x);
        double[] dst = data(colsT);
        int positions = g.outH() * g.outW();
        int columns = g.batch() * positions;
        int plane = g.height() * g.width();
        for (int c = 0, row = 0; c < g.channels(); c++) {
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int w0 = j * g.dilationW() - g.padW(); // input column of output column 0
                    int lo = firstInside(w0, g.strideW(), g.outW());
                    int hi = Math.max(lo, endInside(w0, g.strideW(), g.width(), g.outW()));
                    for (int n = 0; n < g.batch(); n++) {
                        int base = (n * g.channels() + c) * plane;
                        for (int oh = 0; oh < g.outH(); oh++) {
                            int at = row * columns + n * positions + oh * g.outW();
                            int h = oh * g.strideH() - g.padH() + i * g.dilationH();
                            if (h < 0 || h >= g.height()) {
                                Arrays.fill(dst, at, at + g.outW(), 0);
                                continue;
                            }
                            if (lo > 0) { // the padding on the left
                                Arrays.fill(dst, at, at + lo, 0);
                            }
                            if (hi < g.outW()) {
                                Arrays.fill(dst, at + hi, at + g.outW(), 0);
                            }
                            int from = base + h * g.width() + w0;
                            if (g.strideW() == 1) {
                                System.arraycopy(src, from + lo, dst, at + lo, hi - lo);
                            } else {
                                for (int ow = lo; ow < hi; ow++) {
                                    dst[at + ow] = src[from + ow * g.strideW()];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void col2imTransposed(Matrix colsT, ConvGeometry g, Matrix x) {
        double[] src = data(colsT);
        double[] dst = data(x);
        int positions = g.outH() * g.outW();
        int columns = g.batch() * positions;
        int plane = g.height() * g.width();
        int sw = g.strideW();
        for (int c = 0, row = 0; c < g.channels(); c++) {
            for (int i = 0; i < g.kernelH(); i++) {
                for (int j = 0; j < g.kernelW(); j++, row++) {
                    int w0 = j * g.dilationW() - g.padW();
                    int lo = firstInside(w0, sw, g.outW());
                    int hi = endInside(w0, sw, g.width(), g.outW());
                    for (int n = 0; n < g.batch(); n++) {
                        int base = (n * g.channels() + c) * plane;
                        for (int oh = 0; oh < g.outH(); oh++) {
                            int h = oh * g.strideH() - g.padH() + i * g.dilationH();
                            if (h < 0 || h >= g.height()) {
                                continue; // entries from the padding are dropped
                            }
                            int at = row * columns + n * positions + oh * g.outW();
                            int to = base + h * g.width() + w0;
                            if (sw == 1) { // a loop C2 vectorises
                                for (int ow = lo; ow < hi; ow++) {
                                    dst[to + ow] += src[at + ow];
                                }
                            } else {
                                for (int ow = lo; ow < hi; ow++) {
                                    dst[to + ow * sw] += src[at + ow];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** The first output column whose input column {@code w0 + ow·stride} is not left of the input (at most outW). */
    private static int firstInside(int w0, int stride, int outW) {
        return w0 >= 0 ? 0 : Math.min(outW, (-w0 + stride - 1) / stride);
    }

    /** One past the last output column whose input column {@code w0 + ow·stride} is inside an input this wide. */
    private static int endInside(int w0, int stride, int width, int outW) {
        return width - 1 - w0 < 0 ? 0 : Math.min(outW, (width - 1 - w0) / stride + 1);
    }

    @Override
    public void maxPool2d(Matrix x, ConvGeometry g, Matrix out, int[] argmax) {
        double[] src = data(x);
        double[] dst = data(out);
        int height = g.height();
        int width = g.width();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int dh = g.dilationH();
        int dw = g.dilationW();
        int plane = height * width;
        if (g.padH() == 0 && g.padW() == 0 && dh == 1 && dw == 1) {
            maxPoolInside(src, g, dst, argmax);
            return;
        }
        int k = 0;
        for (int p = 0; p < g.batch() * g.channels(); p++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = oh * g.strideH() - g.padH();
                int i0 = h0 >= 0 ? 0 : ceilDiv(-h0, dh); // the window's rows inside the input: i0 <= i < i1
                int i1 = Math.min(kh, ceilDiv(height - h0, dh));
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = ow * g.strideW() - g.padW();
                    int j0 = w0 >= 0 ? 0 : ceilDiv(-w0, dw);
                    int j1 = Math.min(kw, ceilDiv(width - w0, dw));
                    // The first maximum, found without branching on comparisons (their outcome is random on
                    // activations): a running maximum of order keys with integer selects. A NaN is the maximum
                    // and propagates, but has no order key: such a window is searched again, with comparisons.
                    // The keys are of the element type (Select overloads orderKey), and no value is held in a local
                    // of it, so that the float32 twin computes in int, not in long.
                    long bestKey = Long.MIN_VALUE;
                    int at = -1;
                    boolean nan = false;
                    for (int i = i0; i < i1; i++) {
                        int row = p * plane + (h0 + i * dh) * width + w0;
                        for (int j = j0; j < j1; j++) {
                            int index = row + j * dw;
                            long key = Select.orderKey(src[index]);
                            at = key > bestKey | at < 0 ? index : at;
                            bestKey = Math.max(bestKey, key);
                            nan |= src[index] != src[index];
                        }
                    }
                    if (nan) {
                        at = firstNaN(src, p * plane + h0 * width + w0, i0, i1, j0, j1, dh * width, dw);
                    }
                    double best = at < 0 ? Double.NEGATIVE_INFINITY : src[at];
                    dst[k] = (double) best;
                    argmax[k++] = at;
                }
            }
        }
    }

    @Override
    public void maxPool2dValues(Matrix x, ConvGeometry g, Matrix out) {
        if (g.padH() != 0 || g.padW() != 0 || g.dilationH() != 1 || g.dilationW() != 1) {
            maxPool2d(x, g, out, new int[size(out)]);
            return;
        }
        double[] src = data(x);
        double[] dst = data(out);
        int width = g.width();
        int plane = g.height() * width;
        int outW = g.outW();
        int sw = g.strideW();
        // The windows of a row of outputs share their input rows: their maximum down the window's rows first, in
        // a loop along the row that C2 vectorises, then across each window's columns. Math.max propagates NaN.
        double[] rowMax = Arrays.copyOfRange(src, 0, width); // a row of the element type (overwritten)
        for (int p = 0, q = 0; p < g.batch() * g.channels(); p++) {
            for (int oh = 0; oh < g.outH(); oh++, q += outW) {
                int top = p * plane + oh * g.strideH() * width;
                System.arraycopy(src, top, rowMax, 0, width);
                for (int i = 1; i < g.kernelH(); i++) {
                    int row = top + i * width;
                    for (int w = 0; w < width; w++) {
                        rowMax[w] = Math.max(rowMax[w], src[row + w]);
                    }
                }
                if (g.kernelW() == 2) { // the common 2 x 2 window: one maximum per output
                    for (int ow = 0; ow < outW; ow++) {
                        dst[q + ow] = Math.max(rowMax[ow * sw], rowMax[ow * sw + 1]);
                    }
                    continue;
                }
                for (int ow = 0; ow < outW; ow++) {
                    dst[q + ow] = rowMax[ow * sw];
                    for (int j = 1; j < g.kernelW(); j++) {
                        dst[q + ow] = Math.max(dst[q + ow], rowMax[ow * sw + j]);
                    }
                }
            }
        }
    }

    @Override
    public void maxPool2dIndices(Matrix x, ConvGeometry g, Matrix out, int[] argmax) {
        double[] src = data(x);
        double[] max = data(out);
        if (g.kernelH() == 2 && g.kernelW() == 2 && g.padH() == 0 && g.padW() == 0 && g.dilationH() == 1
                && g.dilationW() == 1) {
            maxIndices2x2(src, max, g, argmax);
            return;
        }
        int height = g.height();
        int width = g.width();
        int dh = g.dilationH();
        int dw = g.dilationW();
        int plane = height * width;
        int k = 0;
        for (int p = 0; p < g.batch() * g.channels(); p++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = oh * g.strideH() - g.padH();
                int i0 = h0 >= 0 ? 0 : ceilDiv(-h0, dh); // the window's rows inside the input, as in maxPool2d
                int i1 = Math.min(g.kernelH(), ceilDiv(height - h0, dh));
                for (int ow = 0; ow < g.outW(); ow++, k++) {
                    int w0 = ow * g.strideW() - g.padW();
                    int j0 = w0 >= 0 ? 0 : ceilDiv(-w0, dw);
                    int j1 = Math.min(g.kernelW(), ceilDiv(width - w0, dw));
                    // From the window's last element back to its first, with selects: the last one kept is the
                    // first occurrence, as maxPool2d kept it (every element before it is smaller).
                    int origin = p * plane + h0 * width + w0;
                    if (max[k] != max[k]) {
                        argmax[k] = firstNaN(src, origin, i0, i1, j0, j1, dh * width, dw);
                        continue;
                    }
                    int at = -1;
                    for (int i = i1 - 1; i >= i0; i--) {
                        for (int j = j1 - 1; j >= j0; j--) {
                            int index = origin + i * dh * width + j * dw;
                            at = Select.sameBits(src[index], max[k]) ? index : at;
                        }
                    }
                    argmax[k] = at;
                }
            }
        }
    }

    @Override
    public void maxPool2dBackward(Matrix x, ConvGeometry g, Matrix out, Matrix grad, Matrix dx, int[] argmax) {
        // Three loops, not one: a loop that stores into dx while it reads x runs slower, as C2 cannot tell the two
        // arrays apart.
        maxPool2dIndices(x, g, out, argmax);
        double[] gr = data(grad);
        double[] dst = data(dx);
        Arrays.fill(dst, 0, size(dx), 0);
        int windows = size(out);
        for (int k = 0; k < windows; k++) {
            if (argmax[k] >= 0) {
                dst[argmax[k]] += gr[k];
            }
        }
    }

    /**
     * {@link #maxPool2dIndices} for 2 x 2 windows inside the input, the common pooling: the four elements written
     * out, three times faster than the loops of two.
     */
    private static void maxIndices2x2(double[] src, double[] max, ConvGeometry g, int[] argmax) {
        int width = g.width();
        int plane = g.height() * width;
        for (int p = 0, k = 0; p < g.batch() * g.channels(); p++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                int base = p * plane + oh * g.strideH() * width;
                for (int ow = 0; ow < g.outW(); ow++, k++) {
                    int o = base + ow * g.strideW();
                    if (max[k] != max[k]) {
                        argmax[k] = firstNaN(src, o, 0, 2, 0, 2, width, 1);
                        continue;
                    }
                    int at = o + width + 1;
                    at = Select.sameBits(src[o + width], max[k]) ? o + width : at;
                    at = Select.sameBits(src[o + 1], max[k]) ? o + 1 : at;
                    argmax[k] = Select.sameBits(src[o], max[k]) ? o : at;
                }
            }
        }
    }

    /**
     * {@link #maxPool2d} when every window lies inside the input (no padding, no dilation), a row of windows at a
     * time: each kernel offset updates the running maximum of all the row's windows in one loop, whose iterations
     * are independent (a window at a time, the loops are two elements long). A row holding a NaN is searched again
     * window by window, so that the first NaN wins as there.
     */
    private static void maxPoolInside(double[] src, ConvGeometry g, double[] dst, int[] argmax) {
        int width = g.width();
        int plane = g.height() * width;
        int outW = g.outW();
        int sh = g.strideH();
        int sw = g.strideW();
        long[] keys = new long[outW];
        for (int p = 0, q = 0; p < g.batch() * g.channels(); p++) {
            for (int oh = 0; oh < g.outH(); oh++, q += outW) {
                int base = p * plane + oh * sh * width;
                boolean nan = false;
                for (int ow = 0; ow < outW; ow++) {
                    int index = base + ow * sw;
                    keys[ow] = Select.orderKey(src[index]);
                    argmax[q + ow] = index;
                    nan |= src[index] != src[index];
                }
                for (int i = 0; i < g.kernelH(); i++) {
                    for (int j = i == 0 ? 1 : 0; j < g.kernelW(); j++) {
                        int origin = base + i * width + j;
                        for (int ow = 0; ow < outW; ow++) {
                            int index = origin + ow * sw;
                            long key = Select.orderKey(src[index]);
                            argmax[q + ow] = key > keys[ow] ? index : argmax[q + ow];
                            keys[ow] = Math.max(keys[ow], key);
                            nan |= src[index] != src[index];
                        }
                    }
                }
                for (int ow = 0; ow < outW; ow++) {
                    int at = argmax[q + ow];
                    if (nan) {
                        at = argmax[q + ow] = firstNaNOrAt(src, base + ow * sw, g.kernelH(), g.kernelW(), width, at);
                    }
                    dst[q + ow] = src[at];
                }
            }
        }
    }

    /** The index of the first NaN of a window inside the input at {@code origin}, or {@code at} if it has none. */
    private static int firstNaNOrAt(double[] src, int origin, int kh, int kw, int width, int at) {
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                int index = origin + i * width + j;
                if (src[index] != src[index]) {
                    return index;
                }
            }
        }
        return at;
    }

    /** ⌈a / b⌉ for b ≥ 1, with no division in the common case b = 1 (pooling has no dilation). */
    private static int ceilDiv(int a, int b) {
        return b == 1 ? a : (a + b - 1) / b;
    }

    /** The index of the first NaN of a pooling window, rows i0..i1 and columns j0..j1 of steps rowStep, colStep. */
    private static int firstNaN(double[] src, int origin, int i0, int i1, int j0, int j1, int rowStep, int colStep) {
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                int index = origin + i * rowStep + j * colStep;
                if (src[index] != src[index]) {
                    return index;
                }
            }
        }
        throw new AssertionError("no NaN in the window");
    }
}
