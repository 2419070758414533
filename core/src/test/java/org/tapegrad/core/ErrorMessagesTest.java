package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals("matmul: expects 2-D tensors, got [3] x [3, 1]",
                message(IllegalArgumentException.class, () -> Tensor.zeros(3).matmul(Tensor.zeros(3, 1))));
    }

    @Test
    void broadcastingFailureNamesTheShapes() {
        String m = message(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).add(Tensor.zeros(5)));
        assertEquals("add: shapes [3, 4] and [5] cannot be broadcast (dimension 1: 4 vs 5)", m);
    }

    @Test
    void mixedDtypesAreRefused() {
        String m = message(IllegalArgumentException.class,
                () -> Tensor.zeros(2).mul(Tensor.zeros(DType.FLOAT64, 2)));
        assertTrue(m.startsWith("mul: dtypes float32 and float64 differ"), m);
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
        Tensor x = Tensor.of(new double[] {0.3, -0.7}, 2);
        // A deliberately wrong "op": forward x², gradient cut by detach, so backprop says 0.
        GradCheck.GradCheckFailure f = assertThrows(GradCheck.GradCheckFailure.class,
                () -> GradCheck.check(in -> in[0].mul(in[0].detach()), x));
        assertTrue(f.getMessage().contains("backprop") && f.getMessage().contains("finite difference"), f.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in[0], Tensor.zeros(2)),
                "float32 inputs are refused");
    }
}
