package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** argmax/argmin/topk return int32 indices; gather, scatter and the index ops take int32 index tensors. */
class IndexOpsTest {
    private static final Tensor X = Tensor.of(new double[] {3, 1, 4, 1, 5, 9, 2, 6, 5}, 3, 3);

    @Test
    void argmaxAndArgminReturnInt32() {
        assertEquals(DType.INT32, X.argmax(1).dtype());
        assertArrayEquals(new int[] {2, 2, 1}, X.argmax(1).toIntArray());
        assertArrayEquals(new int[] {3, 1}, X.argmax(1, true).shape());
        assertArrayEquals(new int[] {1, 0, 0}, X.argmin(1).toIntArray());
        assertArrayEquals(new int[] {1}, Tensor.of(new double[] {2, 1, 1}, 3).argmin(0, true).toIntArray(),
                "the first of tied minima");
        assertArrayEquals(new int[] {1, 0, 0}, X.argmin(0).toIntArray());
        assertEquals(5, X.argmax().item());
        assertEquals(0, X.argmax().rank());
        assertEquals(1, X.argmin().item());
        assertArrayEquals(new int[] {1}, Tensor.of(new int[] {Integer.MIN_VALUE + 1, Integer.MIN_VALUE}, 2)
                .argmin(0, true).toIntArray(), "int32 compared exactly");
    }

    @Test
    void topkGivesSortedValuesAndIndices() {
        Tensor.TopK top = X.topk(2, 1, true);
        assertArrayEquals(new double[] {4, 3, 9, 5, 6, 5}, top.values().toDoubleArray());
        assertArrayEquals(new int[] {2, 0, 2, 1, 1, 2}, top.indices().toIntArray());
        assertEquals(DType.INT32, top.indices().dtype());
        Tensor.TopK low = X.topk(1, 0, false);
        assertArrayEquals(new double[] {1, 1, 4}, low.values().toDoubleArray());
        assertArrayEquals(new int[] {1, 0, 0}, low.indices().toIntArray());
        String m = assertThrows(IllegalArgumentException.class, () -> X.topk(4, 1, true)).getMessage();
        assertTrue(m.contains("topk") && m.contains("k = 4") && m.contains("0 to 3"), m);
    }

    @Test
    void topkSendsTheGradientToTheChosenPositions() {
        Tensor x = X.to(DType.FLOAT64).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(x.topk(2, 1, true).values().sum());
        }
        assertArrayEquals(new double[] {1, 0, 1, 0, 1, 1, 0, 1, 1}, x.grad().toDoubleArray());
    }

    @Test
    void gatherAndScatterFollowPyTorch() {
        Tensor idx = Tensor.of(new int[] {0, 0, 1, 0}, 2, 2);
        Tensor t = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
        assertArrayEquals(new double[] {1, 1, 4, 3}, t.gather(1, idx).toDoubleArray()); // torch.gather doc example
        Tensor src = Tensor.of(new double[] {10, 20, 30, 40}, 2, 2);
        assertArrayEquals(new double[] {20, 0, 40, 30}, Tensor.zeros(2, 2).scatter(1, idx, src).toDoubleArray());
        assertArrayEquals(new double[] {31, 2, 43, 34}, t.scatterAdd(1, idx, src).toDoubleArray());
        assertArrayEquals(new double[] {3, 4, 1, 2, 3, 4}, t.indexSelect(0, Tensor.of(new int[] {1, 0, 1}, 3))
                .toDoubleArray());
        assertArrayEquals(new double[] {2, 4}, t.indexSelect(1, Tensor.of(new int[] {1}, 1)).toDoubleArray());
        assertArrayEquals(new double[] {1, 32, 3, 74}, t.indexAdd(1, Tensor.of(new int[] {1, 1}, 2), src)
                .toDoubleArray());
        assertEquals(DType.INT32, Tensor.of(new int[] {5, 6, 7}, 3).gather(0, Tensor.of(new int[] {2}, 1)).dtype());
    }

    @Test
    void scatterGivesSrcTheGradientAtItsPositionsAndTheInputTheRest() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor s = Tensor.of(DType.FLOAT64, new double[] {5, 6}, 2, 1).requiresGrad(true);
        Tensor w = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3, 4}, 2, 2);
        try (Tape tape = Tape.record()) {
            tape.backward(x.scatter(1, Tensor.of(new int[] {1, 0}, 2, 1), s).mul(w).sum());
        }
        assertArrayEquals(new double[] {1, 0, 0, 4}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {2, 3}, s.grad().toDoubleArray());
    }

    @Test
    void outOfRangeAndNonIntegerIndicesAreRefusedByName() {
        String m = assertThrows(IndexOutOfBoundsException.class,
                () -> X.gather(1, Tensor.of(new int[] {0, 3, 1}, 3, 1))).getMessage();
        assertTrue(m.contains("gather") && m.contains("index 3") && m.contains("0 to 2"), m);
        m = assertThrows(IndexOutOfBoundsException.class,
                () -> X.indexSelect(0, Tensor.of(new int[] {-1}, 1))).getMessage();
        assertTrue(m.contains("indexSelect") && m.contains("index -1") && m.contains("0 to 2"), m);
        m = assertThrows(IndexOutOfBoundsException.class, () -> X.scatterAdd(0, Tensor.of(new int[] {7}, 1, 1),
                Tensor.ones(1, 1))).getMessage();
        assertTrue(m.contains("scatterAdd") && m.contains("index 7"), m);
        m = assertThrows(IllegalArgumentException.class, () -> X.gather(0, Tensor.zeros(1, 1))).getMessage();
        assertTrue(m.contains("int32") && m.contains("float32") && m.contains(".to(DType.INT32)"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> X.indexAdd(0, Tensor.of(new int[] {0}, 1), Tensor.ones(2, 3))).getMessage();
        assertTrue(m.contains("indexAdd") && m.contains("[1, 3]"), m);
    }

    @Test
    void lossesTakeInt32LabelTensorsAsClassIndices() {
        Tensor logits = Tensor.of(DType.FLOAT64, new double[] {1, 2, 0.5, -1, 0, 3}, 2, 3);
        int[] y = {1, 2};
        Tensor labels = Tensor.of(y, 2);
        assertEquals(Losses.crossEntropy(logits, y).item(), Losses.crossEntropy(logits, labels).item(), 0);
        assertEquals(Losses.crossEntropy(logits, y, null, Losses.DEFAULT_IGNORE_INDEX, 0.1).item(),
                Losses.crossEntropy(logits, labels, null, 0.1).item(), 0);
        Tensor logp = logits.logSoftmax(1);
        assertEquals(Losses.nllLoss(logp, y).item(), Losses.nllLoss(logp, labels).item(), 0);
        assertArrayEquals(y, new org.tapegrad.core.data.Batch(logits, y).labelsTensor().toIntArray());
        String m = assertThrows(IllegalArgumentException.class,
                () -> Losses.nllLoss(logp, Tensor.of(new boolean[] {true, false}, 2))).getMessage();
        assertTrue(m.contains("nllLoss") && m.contains("int32") && m.contains("bool"), m);
    }

    /** The README's paragraph on integer and boolean tensors, run (DocSnippetsTest only compiles it). */
    @Test
    void theReadmeExampleRunsAndGivesTheseValues() {
        Tensor logits = Tensor.of(new double[] {5, 0, 0, 0, 1, 0.5, 0, 0, 9}, 3, 3);
        int[] digits = {0, 2, 2};
        Tensor labels = Tensor.of(digits, digits.length);
        Tensor loss = Losses.crossEntropy(logits, labels);
        assertEquals(Losses.crossEntropy(logits, digits).item(), loss.item(), 0);
        Tensor correct = logits.argmax(1).eq(labels);
        assertArrayEquals(new boolean[] {true, false, true}, correct.toBooleanArray());
        assertEquals(2.0 / 3, correct.sum().item() / labels.numel(), 1e-12);
        assertArrayEquals(new int[] {0, 1, 2}, logits.topk(3, 1, true).indices().select(0, 0).toIntArray());
        assertArrayEquals(new double[] {5, 0.5, 9}, logits.gather(1, labels.unsqueeze(1)).toDoubleArray());
        Tensor confident = Tensor.where(logits.softmax(1).amax(1, false).gt(0.9), labels, Tensor.of(new int[] {-1}, 1));
        assertArrayEquals(new int[] {0, -1, 2}, confident.toIntArray());
    }
}
