package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

class EmbeddingTest {

    private static double[] row(Tensor t, int i) {
        int d = t.size(1);
        return Arrays.copyOfRange(t.toDoubleArray(), i * d, (i + 1) * d);
    }

    @Test
    void lookupReturnsTheRows() {
        Embedding emb = new Embedding(5, 3, new Random(0));
        Tensor y = emb.forward(2, 0, 2);
        assertArrayEquals(new int[] {3, 3}, y.shape());
        assertArrayEquals(row(emb.weight(), 2), row(y, 0));
        assertArrayEquals(row(emb.weight(), 0), row(y, 1));
        assertArrayEquals(row(emb.weight(), 2), row(y, 2));
    }

    @Test
    void gradientAccumulatesOverRepeatedIndices() {
        Embedding emb = new Embedding(4, 2, new Random(0));
        Tensor c = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        try (Tape tape = Tape.record()) {
            tape.backward(emb.forward(2, 0, 2).mul(c).sum());
        }
        // Row 2 was used at positions 0 and 2: c[0] + c[2]; row 0 at position 1; rows 1 and 3 not at all.
        assertArrayEquals(new double[] {3, 4, 0, 0, 6, 8, 0, 0}, emb.weight().grad().toDoubleArray(), 0);
    }

    @Test
    void tensorIndicesKeepTheirShape() {
        Embedding emb = new Embedding(5, 3, new Random(0));
        Tensor idx = Tensor.of(new float[] {4, 1, 1, 0}, 2, 2);
        Tensor y = emb.call(idx);
        assertArrayEquals(new int[] {2, 2, 3}, y.shape());
        assertArrayEquals(row(emb.weight(), 4), Arrays.copyOfRange(y.toDoubleArray(), 0, 3));
        assertArrayEquals(row(emb.weight(), 0), Arrays.copyOfRange(y.toDoubleArray(), 9, 12));
    }

    @Test
    void badIndicesAreReported() {
        Embedding emb = new Embedding(5, 3, new Random(0));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> emb.forward(1, 5));
        assertTrue(e.getMessage().contains("index 5 at position 1") && e.getMessage().contains("[0, 5)"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> emb.call(Tensor.vector(-1)));
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> emb.call(Tensor.vector(1.5f)));
        assertTrue(f.getMessage().contains("not an integer"), f.getMessage());
    }

    @Test
    void int32IndexTensorsOfRankFourLookUpLikeTheirValues() {
        Embedding e = new Embedding(10, 3, new java.util.Random(1));
        org.tapegrad.core.Tensor idx = org.tapegrad.core.Tensor.of(new int[] {1, 9, 0, 4, 4, 2, 7, 3}, 2, 1, 2, 2);
        org.tapegrad.core.Tensor out = e.forward(idx);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 1, 2, 2, 3}, out.shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(e.forward(9).toDoubleArray(),
                out.select(0, 0).select(0, 0).select(0, 0).select(0, 1).toDoubleArray(), 0);
    }
}
