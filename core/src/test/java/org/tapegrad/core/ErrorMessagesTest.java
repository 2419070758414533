package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.core.TestTensors.f64;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets an exception that names the op, what was given and what was expected. */
class ErrorMessagesTest {

    private static String message(Class<? extends Throwable> type, Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void matmulNamesBothShapesAndTheInnerDimensions() {
        Tensor a = Tensor.zeros(128, 784);
        Tensor b = Tensor.zeros(256, 10);
        assertEquals("matmul: [128, 784] x [256, 10]: inner dimensions 784 and 256 differ",
                message(IllegalArgumentException.class, () -> a.matmul(b)));
        // The transpose-flag form is 2-D only; matmul(other) takes vectors and batches as PyTorch (a [3] x [3, 1]
        // product is the vector-matrix product [1]), but not scalars.
        assertEquals("matmul: expects 2-D tensors, got [3] x [3, 1]", message(IllegalArgumentException.class,
                () -> Tensor.matmul(Tensor.zeros(3), false, Tensor.zeros(3, 1), false)));
        assertEquals("matmul: both arguments need at least one dimension, got [] x [3, 1]",
                message(IllegalArgumentException.class, () -> Tensor.zeros().matmul(Tensor.zeros(3, 1))));
        assertEquals("matmul: [2, 3, 4] x [5, 6]: inner dimensions 4 and 5 differ",
                message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(5, 6))));
        assertEquals("matmul: [2, 3, 4] x [3, 4, 5]: batch dimensions [2] and [3] do not broadcast (2 vs 3)",
                message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5))));
    }

    @Test
    void broadcastingFailureNamesTheShapes() {
        String m = message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).add(Tensor.zeros(5)));
        assertEquals("add: shapes [3, 4] and [5] cannot be broadcast (dimension 1: 4 vs 5)", m);
    }

    @Test
    void anInPlaceDownCastIsRefusedWithBothDtypesAndTheFix() {
        // mul of mixed dtypes promotes (TypePromotionTest); an in-place update would round, so it refuses
        String m = message(IllegalArgumentException.class,
                () -> Tensor.zeros(2).addInPlace(Tensor.zeros(DType.FLOAT64, 2), 1));
        assertEquals("addInPlace: cannot write float64 values into this float32 tensor in place, which would round "
                + "them; convert the source with .to(DType.FLOAT32), or make the target float64 with "
                + ".to(DType.FLOAT64)", m);
    }

    @Test
    void shapeOpsValidateTheirArguments() {
        Tensor x = Tensor.zeros(2, 3);
        assertEquals("reshape: shape [2, 3] (6 elements) cannot be viewed as [4, 2] (8 elements)",
                message(IllegalArgumentException.class, () -> x.reshape(4, 2)));
        assertTrue(message(IllegalArgumentException.class, () -> x.sum(2, false))
                .startsWith("sum: dimension 2 is out of range for rank 2"));
        assertTrue(message(IllegalArgumentException.class, () -> x.narrow(1, 2, 2)).startsWith("narrow: range [2, 4)"));
        assertTrue(message(IllegalArgumentException.class, () -> Tensor.concat(List.of(x, Tensor.zeros(2, 2)), 0))
                .startsWith("concat: tensor 1 has shape [2, 2]"));
        assertTrue(message(IndexOutOfBoundsException.class, () -> x.indexSelect(0, 2))
                .startsWith("indexSelect: index 2 at position 1 is out of range for 2 rows"));
        assertTrue(message(IllegalArgumentException.class, () -> x.permute(0, 0)).contains("not a permutation"));
        assertTrue(message(IllegalArgumentException.class, () -> Tensor.zeros(1, 1, 1, 1, 1, 1, 1, 1, 1))
                .contains("rank 9 is not supported"));
        assertEquals(8, Tensor.zeros(1, 2, 1, 2, 1, 2, 1, 2).rank(), "rank 8 is supported");
        assertTrue(message(IllegalArgumentException.class, () -> x.expand(4, 3)).startsWith("expand: shape [2, 3]"));
        assertTrue(message(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2))
                .startsWith("of: 3 values do not fill shape [2, 2]"));
        assertTrue(message(IllegalStateException.class, () -> x.item()).startsWith("item: the tensor has shape [2, 3]"));
        assertTrue(message(IllegalArgumentException.class, () -> x.clamp(1, 0)).startsWith("clamp: min 1.0"));
        assertTrue(message(IllegalArgumentException.class, () -> x.dropout(1.5, true, new java.util.Random(0)))
                .startsWith("dropout: probability 1.5"));
    }

    @Test
    void outOfRangeArgumentsNameTheOpAndTheArgumentInsteadOfOverflowing() {
        assertEquals("narrow: range [1, 2147483648) is outside dimension 0 of size 3 in shape [3, 2]",
                message(IllegalArgumentException.class, () -> Tensor.zeros(3, 2).narrow(0, 1, Integer.MAX_VALUE)));
        Tensor x = Tensor.zeros(1, 1, 28, 28);
        Tensor w = Tensor.zeros(1, 1, 3, 3);
        int[] one = {1, 1};
        assertEquals("conv2d: input [1, 1, 28, 28], kernel 3x3, stride [1, 1], padding [50000, 50000], dilation "
                + "[1, 1] give a 100026x100026 output per channel, 10005200676 values in all, more than a tensor holds "
                + "(2147483647; check padding and dilation)", message(IllegalArgumentException.class,
                        () -> x.conv2d(w, null, one, new int[] {50000, 50000}, one, 1)));
        assertEquals("conv2d: input [1, 1, 28, 28], kernel 3x3, padding [20000, 20000], dilation [1, 1] give a "
                + "40026x40026 output, whose patch matrix (1602080676 positions x 9) would hold more than 2147483647 "
                + "elements, the most a tensor holds (check padding and dilation, or use smaller batches)",
                message(IllegalArgumentException.class,
                        () -> x.conv2d(w, null, one, new int[] {20000, 20000}, one, 1)));
        int[] huge = {1 << 30, 1 << 30};
        assertEquals("conv2d: input [1, 1, 28, 28] is too small: the kernel 3x3 (dilated to 2147483649x2147483649) "
                + "is larger than the padded input 28x28 (padding [0, 0])",
                message(IllegalArgumentException.class, () -> x.conv2d(w, null, one, new int[] {0, 0}, huge, 1)));
        assertEquals("convTranspose2d: input [1, 1, 28, 28] with stride [1, 1] and dilation [1073741824, "
                + "1073741824] gives an output of 2147483676x2147483676, larger than a tensor's dimension can be "
                + "(2147483647)", message(IllegalArgumentException.class, () -> x.convTranspose2d(w, null, one,
                        new int[] {0, 0}, new int[] {0, 0}, huge, 1)));
        assertEquals("maxPool2d: kernel size must be positive, got 0x0",
                message(IllegalArgumentException.class, () -> x.maxPool2d(0)));
        assertEquals("avgPool2d: kernel size must be positive, got 0x0",
                message(IllegalArgumentException.class, () -> x.avgPool2d(0)));
        org.tapegrad.core.data.TensorDataset data = new org.tapegrad.core.data.TensorDataset(Tensor.zeros(3, 2),
                new int[] {0, 1, 2});
        assertEquals("TensorDataset.batch: index 70000 (at position 1 of 2) is outside 0..2, the 3 examples",
                message(IndexOutOfBoundsException.class, () -> data.batch(new int[] {0, 70000})));
        assertEquals("TensorDataset.batch: index -1 (at position 0 of 1) is outside 0..2, the 3 examples",
                message(IndexOutOfBoundsException.class, () -> data.batch(new int[] {-1}, data.batch(new int[] {0}))));
    }

    @Test
    void crossEntropyChecksItsLabels() {
        Tensor logits = Tensor.zeros(3, 10);
        assertEquals("crossEntropy: label 12 at row 1 is out of range for 10 classes (expected 0 to 9)",
                message(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, new int[] {0, 12, 3})));
        assertEquals("crossEntropy: 2 labels for 3 rows of logits [3, 10]",
                message(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, new int[] {0, 1})));
        assertTrue(message(IllegalArgumentException.class, () -> Losses.mse(Tensor.zeros(3), Tensor.zeros(3, 1)))
                .startsWith("mse: prediction [3] and target [3, 1] differ in shape"));
    }

    @Test
    void gradCheckExplainsAFailureWithBothValues() {
        Tensor x = f64(new double[] {0.3, -0.7}, 2);
        // A deliberately wrong "op": forward x², gradient cut by detach, so backprop says 0.
        GradCheck.GradCheckFailure f = assertThrows(GradCheck.GradCheckFailure.class,
                () -> GradCheck.check(in -> in[0].mul(in[0].detach()), x));
        assertTrue(f.getMessage().contains("backprop") && f.getMessage().contains("finite difference"), f.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in[0], Tensor.zeros(2)),
                "float32 inputs are refused");
    }
}
