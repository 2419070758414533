package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Every op family fed views (transposed, narrowed to inner columns, expanded with stride 0, selected at an offset)
 * computes what it computes on a contiguous copy of the same values, forward and backward: no kernel reads a view
 * as if it were contiguous. The views are checked to really be views, so no case passes by accident.
 */
class ViewInputsTest {

    /** A way to make a view with the values of a [rows, cols] matrix, from a base tensor of another layout. */
    private record Kind(String name, Function<Random, Tensor> base, Function<Tensor, Tensor> view, boolean contiguous,
            boolean offset) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final int ROWS = 4;
    private static final int COLS = 6;

    private static List<Kind> matrixKinds() {
        return List.of(
                new Kind("transposed [6,4]ᵀ", r -> Tensor.randn(DType.FLOAT64, r, COLS, ROWS), Tensor::t, false, false),
                new Kind("columns 2..7 of [4,9]", r -> Tensor.randn(DType.FLOAT64, r, ROWS, 9),
                        b -> b.narrow(1, 2, COLS), false, true),
                new Kind("[1,6] expanded to [4,6]", r -> Tensor.randn(DType.FLOAT64, r, 1, COLS),
                        b -> b.expand(ROWS, COLS), false, false),
                new Kind("slice 1 of [3,4,6] (offset)", r -> Tensor.randn(DType.FLOAT64, r, 3, ROWS, COLS),
                        b -> b.select(0, 1), true, true),
                new Kind("dim 1 of [4,3,6] selected (strided rows)", r -> Tensor.randn(DType.FLOAT64, r, ROWS, 3, COLS),
                        b -> b.select(1, 2), false, true));
    }

    private static List<Kind> imageKinds() {
        return List.of(
                new Kind("[2,5,5,3] permuted to NCHW", r -> Tensor.randn(DType.FLOAT64, r, 2, 5, 5, 3),
                        b -> b.permute(0, 3, 1, 2), false, false),
                new Kind("width 1..5 of [2,3,5,7]", r -> Tensor.randn(DType.FLOAT64, r, 2, 3, 5, 7),
                        b -> b.narrow(3, 1, 5), false, true),
                new Kind("[1,3,5,5] expanded to batch 2", r -> Tensor.randn(DType.FLOAT64, r, 1, 3, 5, 5),
                        b -> b.expand(2, 3, 5, 5), false, false));
    }

    private record Op(String family, String name, Function<Tensor, Tensor> f) {
    }

    private static final Random CONSTANTS = new Random(99);
    private static final Tensor ROW = Tensor.randn(DType.FLOAT64, CONSTANTS, COLS);
    private static final Tensor COLUMN = Tensor.randn(DType.FLOAT64, CONSTANTS, ROWS, 1).abs().add(0.5);
    private static final Tensor W = Tensor.randn(DType.FLOAT64, CONSTANTS, COLS, 3);
    private static final Tensor LEFT = Tensor.randn(DType.FLOAT64, CONSTANTS, 2, ROWS);
    private static final Tensor LINEAR_W = Tensor.randn(DType.FLOAT64, CONSTANTS, 5, COLS);
    private static final Tensor LINEAR_X = Tensor.randn(DType.FLOAT64, CONSTANTS, 3, COLS);
    private static final Tensor BIAS = Tensor.randn(DType.FLOAT64, CONSTANTS, 5);
    private static final Tensor TARGET = Tensor.rand(DType.FLOAT64, CONSTANTS, ROWS, COLS);
    private static final Tensor KERNEL = Tensor.randn(DType.FLOAT64, CONSTANTS, 2, 3, 3, 3);
    private static final Tensor KERNEL_T = Tensor.randn(DType.FLOAT64, CONSTANTS, 3, 2, 2, 2);
    private static final Tensor BATCH_RIGHT = Tensor.randn(DType.FLOAT64, CONSTANTS, 2, ROWS, 3);

    private static List<Op> matrixOps() {
        return List.of(
                new Op("elementwise", "exp", Tensor::exp),
                new Op("elementwise", "relu", Tensor::relu),
                new Op("elementwise", "tanh", Tensor::tanh),
                new Op("elementwise", "sigmoid", Tensor::sigmoid),
                new Op("elementwise", "abs then pow 1.5", v -> v.abs().pow(1.5)),
                new Op("elementwise", "clamp", v -> v.clamp(-0.5, 0.5)),
                new Op("elementwise", "gelu", Tensor::gelu),
                new Op("elementwise", "scalar affine", v -> v.mul(3).add(1)),
                new Op("binary", "add a row [6]", v -> v.add(ROW)),
                new Op("binary", "row [6] minus the view", v -> ROW.sub(v)),
                new Op("binary", "divide by a column [4,1]", v -> v.div(COLUMN)),
                new Op("binary", "view times its own transpose's transpose", v -> v.mul(v.t().t())),
                new Op("binary", "view times a narrowed view of itself", v -> v.narrow(1, 0, 3).mul(v.narrow(1, 3, 3))),
                new Op("reduction", "sum", Tensor::sum),
                new Op("reduction", "sum dim 0", v -> v.sum(0, false)),
                new Op("reduction", "mean dim 1 keepdim", v -> v.mean(1, true)),
                new Op("reduction", "max dim 1", v -> v.max(1, false)),
                new Op("reduction", "sumTo [1,6]", v -> v.sumTo(1, COLS)),
                new Op("softmax", "softmax dim 1", v -> v.softmax(1)),
                new Op("softmax", "logSoftmax dim 0", v -> v.logSoftmax(0)),
                new Op("matmul", "view · W", v -> v.matmul(W)),
                new Op("matmul", "A · view", v -> LEFT.matmul(v)),
                new Op("matmul", "viewᵀ · view", v -> Tensor.matmul(v, true, v, false)),
                new Op("matmul", "linear with the view as input", v -> Tensor.linear(v, LINEAR_W, BIAS)),
                new Op("matmul", "bmm of the view as one batch", v -> v.unsqueeze(0).bmm(W.unsqueeze(0))),
                new Op("matmul", "bmm of the view expanded to 2 batches and transposed",
                        v -> v.unsqueeze(0).expand(2, ROWS, COLS).transpose(1, 2).bmm(BATCH_RIGHT)),
                new Op("matmul", "matmul of batches with the view broadcast over them",
                        v -> BATCH_RIGHT.transpose(1, 2).matmul(v)),
                new Op("matmul", "matmul of the view expanded to batches (folded) and vector",
                        v -> v.unsqueeze(0).expand(2, ROWS, COLS).matmul(W).matmul(W.select(1, 0).narrow(0, 0, 3))),
                new Op("matmul", "linear with the view's rows as weight", v -> Tensor.linear(LINEAR_X, v, ROW.narrow(0, 0, ROWS))),
                new Op("losses", "crossEntropy", v -> Losses.crossEntropy(v, new int[] {0, 5, 2, 3})),
                new Op("losses", "mse", v -> Losses.mse(v, TARGET)),
                new Op("losses", "binaryCrossEntropyWithLogits", v -> Losses.binaryCrossEntropyWithLogits(v, TARGET)),
                new Op("shape", "concat with itself", v -> Tensor.concat(List.of(v, v.exp()), 1)),
                new Op("shape", "indexSelect", v -> v.indexSelect(3, 0, 3)),
                new Op("shape", "reshape to [8,3]", v -> v.reshape(8, 3)),
                new Op("shape", "copy and to float32 and back", v -> v.copy().to(DType.FLOAT32).to(DType.FLOAT64)),
                new Op("shape", "unbind and recombine", v -> {
                    List<Tensor> rows = v.unbind(0);
                    return rows.get(0).mul(rows.get(3)).add(rows.get(1));
                }));
    }

    private static List<Op> imageOps() {
        return List.of(
                new Op("conv", "conv2d 3x3, padding 1", v -> v.conv2d(KERNEL, null, 1, 1)),
                new Op("conv", "convTranspose2d 2x2, stride 2", v -> v.convTranspose2d(KERNEL_T, null, 2, 0)),
                new Op("pool", "maxPool2d 2", v -> v.maxPool2d(2)),
                new Op("pool", "avgPool2d 3, stride 1, padding 1",
                        v -> v.avgPool2d(new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1})),
                new Op("elementwise", "relu then sum over channels", v -> v.relu().sum(1, false)));
    }

    static Stream<Object[]> cases() {
        List<Object[]> all = new ArrayList<>();
        for (Kind k : matrixKinds()) {
            for (Op op : matrixOps()) {
                all.add(new Object[] {k, op.family() + ": " + op.name(), op});
            }
        }
        for (Kind k : imageKinds()) {
            for (Op op : imageOps()) {
                all.add(new Object[] {k, op.family() + ": " + op.name(), op});
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void aViewGivesWhatItsContiguousCopyGives(Kind kind, String label, Op op) {
        Tensor base = kind.base().apply(new Random(label.hashCode())).requiresGrad(true);
        Tensor probe = kind.view().apply(base);
        assertEquals(kind.contiguous(), probe.isContiguous(), "the view's layout");
        assertEquals(kind.offset(), probe.storageOffset() != 0, "the view's offset");
        assertTrue(!probe.isContiguous() || probe.storageOffset() != 0, "a real view");

        Result throughView = run(base, v -> op.f().apply(kind.view().apply(v)));
        Result throughCopy = run(base, v -> op.f().apply(kind.view().apply(v).copy()));
        assertClose(throughCopy.output, throughView.output, "output");
        assertClose(throughCopy.gradient, throughView.gradient, "gradient of the base");
        assertNotEquals(0, maxAbs(throughView.gradient), "the gradient reaches the base");
    }

    private record Result(double[] output, double[] gradient) {
    }

    /** f(base) and d(Σ w·f(base))/d base for a fixed non-uniform w. */
    private static Result run(Tensor base, Function<Tensor, Tensor> f) {
        try (Tape tape = Tape.record()) {
            Tensor y = f.apply(base);
            double[] w = new double[y.numel()];
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.sin(i + 1);
            }
            Tensor loss = y.mul(Tensor.of(y.dtype(), w, y.shape())).sum();
            return new Result(y.toDoubleArray(), Autograd.grad(loss, base)[0].toDoubleArray());
        }
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-12 * (1 + Math.abs(expected[i])), what + " element " + i);
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @org.junit.jupiter.api.Test
    void viewsAreNotCopies() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        for (Tensor v : List.of(x.t(), x.narrow(1, 1, 2), x.select(0, 1), x.reshape(3, 2), x.unsqueeze(0),
                x.reshape(1, 2, 3).squeeze(), x.narrow(0, 0, 1).expand(4, 3), x.permute(1, 0), x.chunk(3, 1).get(1),
                x.unbind(1).get(2), x.split(1, 0).get(1), x.view(6))) {
            assertTrue(v.storage() == x.storage(), "shares storage: " + Shape.str(v.shape()));
        }
        assertFalse(x.t().isContiguous());
        assertEquals(5.0, x.t().get(1, 1));
        assertEquals(6.0, x.narrow(1, 1, 2).get(1, 1));
        assertEquals(2.0, x.narrow(0, 0, 1).expand(4, 3).get(3, 1));
        assertEquals(java.util.Arrays.toString(new int[] {1, 3}), java.util.Arrays.toString(x.t().stride()));
    }
}
