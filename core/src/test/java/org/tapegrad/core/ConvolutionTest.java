package org.tapegrad.core;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tapegrad.core.internal.kernel.ConvGeometry;

/**
 * Convolution and pooling against direct nested loops (the definitions, written independently of im2col), the
 * transposed-convolution identity, and the shape errors. Gradients are checked in {@link OpGradientTest}.
 */
class ConvolutionTest {

    /** One set of options; kernel kH x kW, input [n, c, h, w], out channels o. */
    record Options(int n, int c, int h, int w, int o, int kh, int kw, int[] stride, int[] padding, int[] dilation,
            int groups, boolean bias) {
        @Override
        public String toString() {
            return "x [" + n + "," + c + "," + h + "," + w + "], W [" + o + "," + c / groups + "," + kh + "," + kw
                    + "], stride " + java.util.Arrays.toString(stride) + ", padding "
                    + java.util.Arrays.toString(padding) + ", dilation " + java.util.Arrays.toString(dilation)
                    + ", groups " + groups + (bias ? ", bias" : "");
        }
    }

    static List<Options> options() {
        int[] one = {1, 1};
        int[] none = {0, 0};
        return List.of(
                new Options(2, 3, 7, 6, 4, 3, 3, one, none, one, 1, true),
                new Options(2, 3, 7, 6, 4, 3, 2, new int[] {2, 3}, none, one, 1, false),
                new Options(1, 2, 6, 7, 3, 3, 3, one, new int[] {2, 1}, one, 1, true),
                new Options(1, 2, 8, 7, 3, 3, 2, one, none, new int[] {2, 3}, 1, true),
                new Options(2, 6, 5, 5, 4, 2, 2, one, none, one, 2, true),
                new Options(1, 4, 5, 5, 8, 3, 3, one, one, one, 4, false),
                new Options(2, 6, 9, 8, 9, 3, 2, new int[] {2, 1}, new int[] {1, 2}, new int[] {2, 1}, 3, true),
                new Options(1, 1, 28, 28, 16, 5, 5, one, none, one, 1, true));
    }

    private static Tensor random(Random rng, int... shape) {
        return Tensor.randn(DType.FLOAT64, rng, shape);
    }

    /** conv2d by its definition: a sum over input channels of the group and kernel taps, zeros outside x. */
    static double[] directConv(Tensor x, Tensor w, Tensor b, int[] s, int[] p, int[] d, int groups) {
        int n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
        int o = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3);
        int oh = (h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0] + 1;
        int ow = (wd + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1] + 1;
        double[] y = new double[n * o * oh * ow];
        int k = 0;
        for (int in = 0; in < n; in++) {
            for (int io = 0; io < o; io++) {
                int group = io / (o / groups);
                for (int y0 = 0; y0 < oh; y0++) {
                    for (int x0 = 0; x0 < ow; x0++) {
                        double sum = b == null ? 0 : b.get(io);
                        for (int ic = 0; ic < cg; ic++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int yy = y0 * s[0] - p[0] + i * d[0];
                                    int xx = x0 * s[1] - p[1] + j * d[1];
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                                        sum += w.get(io, ic, i, j) * x.get(in, group * cg + ic, yy, xx);
                                    }
                                }
                            }
                        }
                        y[k++] = sum;
                    }
                }
            }
        }
        assertEquals(c, cg * groups);
        return y;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void conv2dMatchesTheNestedLoopDefinition(Options o) {
        Random rng = new Random(11);
        Tensor x = random(rng, o.n, o.c, o.h, o.w);
        Tensor w = random(rng, o.o, o.c / o.groups, o.kh, o.kw);
        Tensor b = o.bias ? random(rng, o.o) : null;
        Tensor y = x.conv2d(w, b, o.stride, o.padding, o.dilation, o.groups);
        double[] expected = directConv(x, w, b, o.stride, o.padding, o.dilation, o.groups);
        assertEquals(expected.length, y.numel());
        assertEquals(o.o, y.size(1));
        assertArrayEquals(expected, y.toDoubleArray(), 1e-12);
        // float32 through the generated kernels agrees too.
        Tensor y32 = x.to(DType.FLOAT32).conv2d(w.to(DType.FLOAT32), b == null ? null : b.to(DType.FLOAT32),
                o.stride, o.padding, o.dilation, o.groups);
        assertArrayEquals(expected, y32.toDoubleArray(), 1e-4);
    }

    /** convTranspose2d by its definition: every input element scatters its kernel-weighted copy into the output. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void convTranspose2dMatchesTheNestedLoopDefinition(Options o) {
        Random rng = new Random(12);
        // The transposed convolution maps [n, o, oh, ow] back to [n, c, h', w'] with the same weight.
        Tensor w = random(rng, o.o, o.c / o.groups, o.kh, o.kw);
        int gh = 3;
        int gw = 4;
        Tensor g = random(rng, o.n, o.o, gh, gw);
        Tensor b = o.bias ? random(rng, o.c) : null;
        int[] s = o.stride, p = o.padding, d = o.dilation;
        int[] outPad = {s[0] - 1, 0};
        int h = (gh - 1) * s[0] - 2 * p[0] + d[0] * (o.kh - 1) + outPad[0] + 1;
        int wd = (gw - 1) * s[1] - 2 * p[1] + d[1] * (o.kw - 1) + outPad[1] + 1;
        double[] expected = new double[o.n * o.c * h * wd];
        int cg = o.c / o.groups;
        int og = o.o / o.groups;
        for (int in = 0; in < o.n; in++) {
            for (int ic = 0; ic < o.o; ic++) {
                int group = ic / og;
                for (int y0 = 0; y0 < gh; y0++) {
                    for (int x0 = 0; x0 < gw; x0++) {
                        for (int oc = 0; oc < cg; oc++) {
                            for (int i = 0; i < o.kh; i++) {
                                for (int j = 0; j < o.kw; j++) {
                                    int yy = y0 * s[0] - p[0] + i * d[0];
                                    int xx = x0 * s[1] - p[1] + j * d[1];
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                                        expected[((in * o.c + group * cg + oc) * h + yy) * wd + xx] +=
                                                w.get(ic, oc, i, j) * g.get(in, ic, y0, x0);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for (int oc = 0; b != null && oc < o.c; oc++) {
                for (int e = 0; e < h * wd; e++) {
                    expected[(in * o.c + oc) * h * wd + e] += b.get(oc);
                }
            }
        }
        Tensor y = g.convTranspose2d(w, b, s, p, outPad, d, o.groups);
        assertArrayEquals(new int[] {o.n, o.c, h, wd}, y.shape());
        assertArrayEquals(expected, y.toDoubleArray(), 1e-12);
    }

    /**
     * The symmetry of issue 8: the gradient of Σ conv2d(x, W)·g with respect to x is convTranspose2d(g, W). Both
     * are the same products and the same col2im in the same order, so they agree bit for bit, in both dtypes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void inputGradientOfConvolutionIsTheTransposedConvolution(Options o) {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Random rng = new Random(13);
            Tensor x = Tensor.randn(dtype, rng, o.n, o.c, o.h, o.w).requiresGrad(true);
            Tensor w = Tensor.randn(dtype, rng, o.o, o.c / o.groups, o.kh, o.kw);
            Tensor dx;
            Tensor g;
            try (Tape tape = Tape.record()) {
                Tensor y = x.conv2d(w, null, o.stride, o.padding, o.dilation, o.groups);
                g = Tensor.randn(dtype, rng, y.shape());
                dx = Autograd.grad(y.mul(g).sum(), x)[0];
            }
            // The strided convolution may drop trailing rows/columns of x; output padding gives them back.
            int[] outPad = new int[2];
            for (int i = 0; i < 2; i++) {
                int k = i == 0 ? o.kh : o.kw;
                int size = i == 0 ? o.h : o.w;
                outPad[i] = (size + 2 * o.padding[i] - o.dilation[i] * (k - 1) - 1) % o.stride[i];
            }
            Tensor t = g.convTranspose2d(w, null, o.stride, o.padding, outPad, o.dilation, o.groups);
            assertArrayEquals(x.shape(), t.shape());
            assertArrayEquals(dx.toDoubleArray(), t.toDoubleArray(), 0, dtype + ": not exactly equal");
        }
    }

    @Test
    void maxPoolIndicesFoundFromTheValuesAreThoseOfTheOnePassKernel() {
        // The forward pass computes the values alone and the rules find the indices of the maxima from them: both
        // must be what the kernel computing values and indices in one pass gives, bit for bit, for every window
        // shape, stride and padding, in both dtypes, with ties (values on a coarse grid), NaN, -inf, -0 and +0.
        Random rng = new Random(15);
        int[][][] geometries = {{{2, 2}, {2, 2}, {0, 0}}, {{3, 3}, {1, 1}, {0, 0}}, {{2, 3}, {1, 2}, {0, 0}},
                {{3, 3}, {2, 2}, {1, 1}}, {{3, 1}, {3, 1}, {0, 0}}, {{2, 2}, {1, 1}, {1, 1}}};
        double[] values = new double[2 * 3 * 7 * 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.round(rng.nextGaussian() * 2) / 2.0; // many ties
        }
        values[5] = Double.NaN;
        values[12] = Double.NaN;
        values[60] = Double.NEGATIVE_INFINITY;
        values[61] = -0.0;
        values[62] = 0.0;
        values[69] = -0.0;
        for (int i = 100; i < 116; i++) {
            values[i] = i % 2 == 0 ? -0.0 : 0.0;
        }
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.of(DType.FLOAT64, values, 2, 3, 7, 8).to(dtype);
            for (int[][] geometry : geometries) {
                String what = dtype + " " + Arrays.deepToString(geometry);
                ConvGeometry g = ConvGeometry.of("maxPool2d", x.shapeRef(), geometry[0][0], geometry[0][1],
                        geometry[1], geometry[2], new int[] {1, 1});
                int[] outShape = {2, 3, g.outH(), g.outW()};
                Tensor onePass = Tensor.zeros(dtype, outShape);
                int[] expected = new int[onePass.numel()];
                dtype.kernels().maxPool2d(x.contiguousData(), g, onePass.matrix(), expected);
                Tensor valuesAlone = Tensor.zeros(dtype, outShape);
                dtype.kernels().maxPool2dValues(x.contiguousData(), g, valuesAlone.matrix());
                int[] found = new int[expected.length];
                dtype.kernels().maxPool2dIndices(x.contiguousData(), g, valuesAlone.matrix(), found);
                assertArrayEquals(bits(onePass), bits(valuesAlone), what + ": values");
                assertArrayEquals(expected, found, what + ": indices");
                assertEquals(valuesAlone.toDoubleArray()[0], x.maxPool2d(geometry[0], geometry[1], geometry[2])
                        .toDoubleArray()[0], 0, what + ": the op");
            }
        }
    }

    @Test
    void maxPoolBackwardKernelAddsEachGradientAtItsWindowsFirstMaximum() {
        // maxPool2dBackward writes every element of dx: the gradient of each window added at the index of its first
        // maximum, zero elsewhere. Checked bit for bit against the one-pass kernel's indices, on a dx filled with
        // garbage first, for windows that tile the input (6 x 8 with 2 x 2, stride 2), overlap or leave a row out,
        // with ties, NaN and signed zeros.
        Random rng = new Random(17);
        int[][][] geometries = {{{2, 2}, {2, 2}, {0, 0}}, {{3, 3}, {1, 1}, {0, 0}}, {{2, 3}, {1, 2}, {0, 0}},
                {{3, 3}, {2, 2}, {1, 1}}, {{2, 2}, {1, 1}, {1, 1}}, {{1, 1}, {2, 2}, {0, 0}}};
        for (int height : new int[] {6, 7}) {
            double[] values = new double[2 * 3 * height * 8];
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.round(rng.nextGaussian() * 2) / 2.0; // many ties
            }
            values[5] = Double.NaN;
            values[13] = Double.NaN;
            values[61] = -0.0;
            values[62] = 0.0;
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                Tensor x = Tensor.of(DType.FLOAT64, values, 2, 3, height, 8).to(dtype);
                for (int[][] geometry : geometries) {
                    String what = dtype + " height " + height + " " + Arrays.deepToString(geometry);
                    ConvGeometry g = ConvGeometry.of("maxPool2d", x.shapeRef(), geometry[0][0], geometry[0][1],
                            geometry[1], geometry[2], new int[] {1, 1});
                    Tensor y = Tensor.zeros(dtype, 2, 3, g.outH(), g.outW());
                    int[] argmax = new int[y.numel()];
                    dtype.kernels().maxPool2d(x.contiguousData(), g, y.matrix(), argmax);
                    Tensor grad = Tensor.randn(rng, y.shape()).to(dtype);
                    double[] expected = new double[x.numel()];
                    double[] gv = grad.toDoubleArray();
                    for (int k = 0; k < argmax.length; k++) {
                        expected[argmax[k]] = dtype == DType.FLOAT32 ? (float) (expected[argmax[k]] + gv[k])
                                : expected[argmax[k]] + gv[k];
                    }
                    Tensor dx = Tensor.full(dtype, 7.5, x.shape());
                    dtype.kernels().maxPool2dBackward(x.contiguousData(), g, y.matrix(), grad.contiguousData(),
                            dx.matrix(), new int[y.numel()]);
                    assertArrayEquals(Arrays.stream(expected).mapToLong(Double::doubleToRawLongBits).toArray(),
                            bits(dx), what);
                }
            }
        }
    }

    @Test
    void maxPoolRefusesAnOutputModifiedBeforeBackward() {
        Tensor x = Tensor.randn(new Random(16), 1, 1, 4, 4).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor y = x.maxPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0});
            try (Scope off = Tape.noGrad()) {
                y.detach().mulInPlace(-1); // before any op reads y, so that only max pooling's rule can tell
            }
            Tensor loss = y.sum();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(loss));
            assertTrue(e.getMessage().startsWith("maxPool2d: its output [1, 1, 2, 2] was modified"), e.getMessage());
        }
    }

    private static long[] bits(Tensor t) {
        return Arrays.stream(t.toDoubleArray()).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void maxPoolMatchesTheNestedLoopDefinitionAndKeepsTheFirstMaximum() {
        Random rng = new Random(14);
        Tensor x = random(rng, 2, 3, 7, 6);
        int[] k = {3, 2};
        int[] s = {2, 1};
        int[] p = {1, 1};
        Tensor y = x.maxPool2d(k, s, p);
        int oh = (7 + 2 - 3) / 2 + 1;
        int ow = (6 + 2 - 2) + 1;
        assertArrayEquals(new int[] {2, 3, oh, ow}, y.shape());
        Tensor avg = x.avgPool2d(k, s, p);
        int e = 0;
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y0 = 0; y0 < oh; y0++) {
                    for (int x0 = 0; x0 < ow; x0++) {
                        double max = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        for (int i = 0; i < k[0]; i++) {
                            for (int j = 0; j < k[1]; j++) {
                                int yy = y0 * s[0] - p[0] + i;
                                int xx = x0 * s[1] - p[1] + j;
                                if (yy >= 0 && yy < 7 && xx >= 0 && xx < 6) {
                                    max = Math.max(max, x.get(n, c, yy, xx));
                                    sum += x.get(n, c, yy, xx);
                                }
                            }
                        }
                        assertEquals(max, y.toDoubleArray()[e], 0);
                        assertEquals(sum / (k[0] * k[1]), avg.toDoubleArray()[e], 1e-12);
                        e++;
                    }
                }
            }
        }
        // Ties: the gradient goes to the first maximum only, as in PyTorch.
        Tensor ties = Tensor.of(new double[] {1, 1, 1, 1}, 1, 1, 2, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(ties.maxPool2d(2).sum());
        }
        assertArrayEquals(new double[] {1, 0, 0, 0}, ties.grad().toDoubleArray(), 0);
        // Negative values next to the padding: the padding (-∞) never wins.
        Tensor negative = Tensor.full(DType.FLOAT64, -3, 1, 1, 2, 2);
        assertArrayEquals(new double[] {-3, -3, -3, -3}, negative.maxPool2d(new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1}).narrow(2, 0, 2).narrow(3, 0, 2).toDoubleArray(), 0);
        // A NaN is the maximum of its window (it propagates) and the gradient goes to the first one, in both dtypes.
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor nan = Tensor.of(new double[] {1, Double.NaN, 5, Double.NaN, 2, 3, 4, -1}, 1, 2, 2, 2).to(dtype)
                    .requiresGrad(true);
            Tensor pooled;
            try (Tape tape = Tape.record()) {
                pooled = nan.maxPool2d(2);
                tape.backward(pooled.sum());
            }
            double[] values = pooled.toDoubleArray();
            assertTrue(Double.isNaN(values[0]), dtype + ": " + Arrays.toString(values));
            assertEquals(4, values[1], dtype.toString());
            assertArrayEquals(new double[] {0, 1, 0, 0, 0, 0, 1, 0}, nan.grad().toDoubleArray(), 0, dtype.toString());
            // A NaN in one window of a row leaves its neighbour's maximum alone.
            Tensor row = Tensor.of(new double[] {1, Double.NaN, 7, 2, 3, 4, 5, 6}, 1, 1, 2, 4).to(dtype)
                    .requiresGrad(true);
            try (Tape tape = Tape.record()) {
                pooled = row.maxPool2d(2);
                tape.backward(pooled.sum());
            }
            values = pooled.toDoubleArray();
            assertTrue(Double.isNaN(values[0]), dtype + ": " + Arrays.toString(values));
            assertEquals(7, values[1], dtype.toString());
            assertArrayEquals(new double[] {0, 1, 1, 0, 0, 0, 0, 0}, row.grad().toDoubleArray(), 0, dtype.toString());
        }
    }

    @Test
    void shapeErrorsSayWhatDoesNotFit() {
        Tensor x = Tensor.zeros(2, 3, 4, 4);
        String big = assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(8, 3, 5, 5), null, 1, 0)).getMessage();
        assertTrue(big.contains("conv2d") && big.contains("[2, 3, 4, 4]") && big.contains("kernel 5x5")
                && big.contains("larger than the padded input 4x4"), big);
        String groups = assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(4, 1, 3, 3), null, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1},
                        2)).getMessage();
        assertTrue(groups.contains("[2, 3, 4, 4]") && groups.contains("divisible by groups = 2"), groups);
        String channels = assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(4, 2, 3, 3), null, 1, 0)).getMessage();
        assertTrue(channels.contains("expects 2 input channels") && channels.contains("has 3"), channels);
        String dilated = assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(4, 3, 2, 2), null, new int[] {1, 1}, new int[] {0, 0}, new int[] {4, 1},
                        1)).getMessage();
        assertTrue(dilated.contains("dilated to 5x2"), dilated);
        String pool = assertThrows(IllegalArgumentException.class, () -> x.maxPool2d(5)).getMessage();
        assertTrue(pool.contains("maxPool2d") && pool.contains("larger than the padded input"), pool);
        String rank = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).avgPool2d(2)).getMessage();
        assertTrue(rank.contains("[N, C, H, W]") && rank.contains("[3, 4]"), rank);
        String outPad = assertThrows(IllegalArgumentException.class, () -> x.convTranspose2d(Tensor.zeros(3, 2, 2, 2),
                null, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 0}, new int[] {1, 1}, 1)).getMessage();
        assertTrue(outPad.contains("smaller than the stride"), outPad);
    }
}
