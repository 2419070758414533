package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.tapegrad.core.TestTensors.assertClose;


import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batched products against the 2-D product batch by batch, on every layout the batched kernel reads differently
 * (row-major, a transpose view, gathered, at an offset, expanded), and their errors.
 */
class BatchedMatmulTest {
    private final Random rng = new Random(7);

    /** c[i] = a[i]·b[i] with the 2-D matmul, stacked. */
    private static Tensor perBatch(Tensor a, Tensor b) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < a.size(0); i++) {
            out.add(a.select(0, i).contiguous().matmul(b.select(0, i).contiguous()));
        }
        return Tensor.stack(out, 0);
    }

    @Test
    void bmmIsTheProductOfEachBatch() {
        Tensor a = Tensor.randn(DType.FLOAT64, rng, 4, 3, 5);
        Tensor b = Tensor.randn(DType.FLOAT64, rng, 4, 5, 2);
        assertClose(perBatch(a, b), a.bmm(b));
    }

    @Test
    void everyLayoutOfABatchGivesTheSameProduct() {
        Tensor base = Tensor.randn(DType.FLOAT64, rng, 3, 5, 4);
        Tensor right = Tensor.randn(DType.FLOAT64, rng, 3, 5, 2);
        Tensor left = Tensor.randn(DType.FLOAT64, rng, 3, 2, 5);
        Tensor transposed = base.transpose(1, 2); // [3, 4, 5], each batch the transpose of a row-major matrix
        assertClose(perBatch(transposed, right), transposed.bmm(right));
        Tensor offset = Tensor.randn(DType.FLOAT64, rng, 5, 4, 5).narrow(0, 2, 3); // batches at offsets
        assertClose(perBatch(offset, right), offset.bmm(right));
        Tensor gathered = Tensor.randn(DType.FLOAT64, rng, 4, 3, 5).permute(1, 0, 2); // rows strided
        assertClose(perBatch(gathered, right), gathered.bmm(right));
        Tensor expanded = Tensor.randn(DType.FLOAT64, rng, 1, 4, 5).expand(3, 4, 5); // one batch, stride 0
        assertClose(perBatch(expanded, right), expanded.bmm(right));
        assertClose(perBatch(left, base), left.bmm(base));
        assertClose(perBatch(left.narrow(2, 0, 4), transposed), left.narrow(2, 0, 4).bmm(transposed));
    }

    @Test
    void float32BatchesAgreeWithFloat64() {
        Tensor a = Tensor.randn(DType.FLOAT64, rng, 3, 4, 6);
        Tensor b = Tensor.randn(DType.FLOAT64, rng, 3, 6, 5);
        double[] expected = a.bmm(b).toDoubleArray();
        double[] actual = a.to(DType.FLOAT32).transpose(1, 2).contiguous().transpose(1, 2)
                .bmm(b.to(DType.FLOAT32)).toDoubleArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "element " + i);
        }
    }

    @Test
    void anEmptyInnerDimensionGivesZerosAndEmptyBatchesAnEmptyResult() {
        assertArrayEquals(new double[6], Tensor.zeros(2, 3, 0).bmm(Tensor.zeros(2, 0, 1)).toDoubleArray());
        assertArrayEquals(new int[] {0, 3, 2}, Tensor.zeros(0, 3, 4).bmm(Tensor.zeros(0, 4, 2)).shape());
    }

    @Test
    void matmulBroadcastsBatchDimensionsAsPyTorch() {
        Tensor a = Tensor.randn(DType.FLOAT64, rng, 2, 1, 3, 4);
        Tensor b = Tensor.randn(DType.FLOAT64, rng, 5, 4, 6);
        Tensor c = a.matmul(b);
        assertArrayEquals(new int[] {2, 5, 3, 6}, c.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 5; j++) {
                assertClose(a.select(0, i).select(0, 0).matmul(b.select(0, j)), c.select(0, i).select(0, j));
            }
        }
    }

    @Test
    void matmulOfVectorsFollowsPyTorch() {
        Tensor v = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3}, 3);
        Tensor m = Tensor.of(DType.FLOAT64, new double[] {1, 0, 0, 1, 2, -1}, 3, 2);
        assertArrayEquals(new int[0], v.matmul(v).shape());
        assertEquals(14, v.matmul(v).item());
        assertArrayEquals(new double[] {7, -1}, v.matmul(m).toDoubleArray()); // [3] x [3, 2] = [2]
        assertArrayEquals(new double[] {1, 1, 1}, m.matmul(Tensor.of(DType.FLOAT64, new double[] {1, 1}, 2))
                .toDoubleArray()); // [3, 2] x [2] = [3]
        Tensor batches = Tensor.randn(DType.FLOAT64, rng, 4, 3, 2);
        assertArrayEquals(new int[] {4, 2}, v.matmul(batches).shape());
        assertClose(v.matmul(batches.select(0, 2)), v.matmul(batches).select(0, 2));
        Tensor w = Tensor.randn(DType.FLOAT64, rng, 2);
        assertArrayEquals(new int[] {4, 3}, batches.matmul(w).shape());
        assertClose(batches.select(0, 1).matmul(w), batches.matmul(w).select(0, 1));
    }

    @Test
    void aBroadcastOperandGetsItsGradientSummedBackToItsShape() {
        Tensor a = Tensor.randn(DType.FLOAT64, rng, 3, 4).requiresGrad(true);
        Tensor b = Tensor.randn(DType.FLOAT64, rng, 5, 4, 2).requiresGrad(true);
        Tensor expected;
        Tensor[] g;
        try (Tape tape = Tape.record()) {
            g = Autograd.grad(a.matmul(b).sum(), a, b);
            // d/dA of Σ A·B_i over the batches is Σ_i 1·B_iᵀ: the sum of the per-batch gradients
            expected = Tensor.ones(DType.FLOAT64, 3, 2).matmul(b.detach().sum(0, false).t());
        }
        assertArrayEquals(new int[] {3, 4}, g[0].shape());
        assertClose(expected, g[0]);
        assertArrayEquals(new int[] {5, 4, 2}, g[1].shape());
    }

    @Test
    void bmmErrorsNameTheShapes() {
        assertEquals("bmm: expects 3-D tensors [B, n, k] and [B, k, m], got [3, 4] x [2, 4, 5]",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(3, 4).bmm(Tensor.zeros(2, 4, 5))).getMessage());
        assertEquals("bmm: [2, 3, 4] x [3, 4, 5]: batch sizes 2 and 3 differ",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(2, 3, 4).bmm(Tensor.zeros(3, 4, 5))).getMessage());
        assertEquals("bmm: [2, 3, 4] x [2, 5, 6]: inner dimensions 4 and 5 differ",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(2, 3, 4).bmm(Tensor.zeros(2, 5, 6))).getMessage());
    }
}
