package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * float32 is the default dtype of every factory (as in PyTorch), and float32 op float64 computes in float64 with each
 * input's gradient in that input's own dtype.
 */
class TypePromotionTest {
    private static final DType F32 = DType.FLOAT32;
    private static final DType F64 = DType.FLOAT64;

    @Test
    void javaDoublesMakeFloat32UnlessADtypeIsGiven() {
        assertEquals(F32, Tensor.of(new double[] {1, 2}, 2).dtype());
        assertEquals(F32, Tensor.of(new double[][] {{1, 2}, {3, 4}}).dtype());
        assertEquals(F32, Tensor.scalar(1).dtype());
        assertEquals(F32, Tensor.full(0.5, 2).dtype());
        assertEquals(F64, Tensor.of(F64, new double[] {1, 2}, 2).dtype());
        assertEquals(F64, Tensor.of(F64, new double[][] {{1, 2}, {3, 4}}).dtype());
        // float32 rounds 0.1; float64 keeps it
        assertEquals((float) 0.1, Tensor.of(new double[] {0.1}, 1).item(), 0);
        assertEquals(0.1, Tensor.of(F64, new double[] {0.1}, 1).item(), 0);
    }

    @Test
    void aDefaultTensorGoesThroughAFloat32LinearLayer() {
        Tensor w = Tensor.randn(new Random(1), 3, 2); // float32, as a layer's parameters are by default
        Tensor b = Tensor.zeros(3);
        Tensor y = Tensor.linear(Tensor.of(new double[] {1, 2}, 1, 2), w, b);
        assertEquals(F32, y.dtype());
        assertArrayEquals(new double[] {w.get(0, 0) + 2 * w.get(0, 1), w.get(1, 0) + 2 * w.get(1, 1),
                w.get(2, 0) + 2 * w.get(2, 1)}, y.toDoubleArray(), 1e-6);
    }

    @Test
    void float32TimesFloat64IsFloat64AndEachGradientKeepsItsInputsDtype() {
        Tensor x = Tensor.of(F32, new double[] {1, 2}, 2).requiresGrad(true);
        Tensor y = Tensor.of(F64, new double[] {0.1, 3}, 2).requiresGrad(true);
        Tensor z;
        try (Tape tape = Tape.record()) {
            z = x.mul(y);
            tape.backward(z.sum());
        }
        assertEquals(F64, z.dtype());
        assertArrayEquals(new double[] {0.1, 6}, z.toDoubleArray(), 0); // computed in float64: 1·0.1 exactly 0.1
        assertEquals(F32, x.grad().dtype());
        assertArrayEquals(new double[] {(float) 0.1, 3}, x.grad().toDoubleArray(), 0); // dz/dx = y, rounded
        assertEquals(F64, y.grad().dtype());
        assertArrayEquals(new double[] {1, 2}, y.grad().toDoubleArray(), 0); // dz/dy = x
    }

    @Test
    void everyOpThatCombinesTensorsPromotes() {
        Tensor a = Tensor.of(F32, new double[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(F64, new double[] {1, 0, 0, 1}, 2, 2);
        Tensor mask = Tensor.of(new double[] {1, 0, 0, 1}, 2, 2);
        List<Tensor> results = List.of(a.add(b), b.sub(a), a.div(b.add(1)), a.maximum(b), b.minimum(a),
                a.matmul(b), Tensor.matmul(b, true, a, false), Tensor.linear(a, b, null),
                Tensor.linear(a, a, b.select(0, 0)), Tensor.where(mask, a, b), Tensor.cat(List.of(a, b), 0),
                Tensor.stack(List.of(b, a), 0), Losses.mse(a, b), Losses.binaryCrossEntropyWithLogits(a, b),
                a.reshape(1, 1, 2, 2).conv2d(b.reshape(1, 1, 2, 2), null, 1, 0));
        for (int i = 0; i < results.size(); i++) {
            assertEquals(F64, results.get(i).dtype(), "result " + i);
        }
        assertArrayEquals(new double[] {1, 2, 3, 4}, a.matmul(b).toDoubleArray(), 0);
    }

    @Test
    void matmulGradientsComeBackInEachInputsDtype() {
        Tensor a = Tensor.of(F32, new double[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor b = Tensor.of(F64, new double[] {0.5, -1, 2, 0.25}, 2, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(a.matmul(b).sum());
        }
        // d(Σ a·b)/da = 1·bᵀ (row sums of b in every row), d/db = aᵀ·1 (column sums of a in every column)
        assertEquals(F32, a.grad().dtype());
        assertArrayEquals(new double[] {-0.5, 2.25, -0.5, 2.25}, a.grad().toDoubleArray(), 0);
        assertEquals(F64, b.grad().dtype());
        assertArrayEquals(new double[] {4, 4, 6, 6}, b.grad().toDoubleArray(), 0);
    }

    @Test
    void forwardModeTangentsArePromotedLikeTheirPrimals() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2);
        Tensor y = Tensor.of(F64, new double[] {0.1, 3}, 2);
        try (var level = ForwardAD.dualLevel()) {
            Tensor dual = ForwardAD.makeDual(x, Tensor.ones(2));
            Tensor t = ForwardAD.tangent(dual.mul(y));
            assertEquals(F64, t.dtype());
            assertArrayEquals(new double[] {0.1, 3}, t.toDoubleArray(), 0); // d(x·y)/dx · 1 = y, in float64
        }
    }

    @Test
    void aPackedFloat32WeightPromotesAFloat64InputInsteadOfReadingItAsFloats() {
        Tensor w = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor x = Tensor.of(F64, new double[] {0.1, 1}, 1, 2);
        Tensor y = PackedWeight.of(w).linear(x, Tensor.zeros(3));
        assertEquals(F64, y.dtype());
        assertArrayEquals(new double[] {2.1, 4.3, 6.5}, y.toDoubleArray(), 1e-15);
    }

    @Test
    void aRankZeroTensorOrAJavaDoubleDoesNotPromote() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor s = Tensor.scalar(F64, 3).requiresGrad(true);
        Tensor y;
        try (Tape tape = Tape.record()) {
            y = x.mul(s);
            tape.backward(y.sum());
        }
        assertEquals(F32, y.dtype(), "a float64 scalar tensor does not promote a float32 vector, as in PyTorch");
        assertEquals(F64, s.grad().dtype());
        assertEquals(3, s.grad().item(), 0);
        assertEquals(F32, x.mul(0.1).dtype());
        assertEquals(F64, Tensor.scalar(1).add(s).dtype(), "between rank-0 tensors float64 wins");
    }

    @Test
    void inPlaceUpdatesUpCastButRefuseToRound() {
        Tensor t64 = Tensor.zeros(F64, 2);
        t64.addInPlace(Tensor.of(new double[] {1, 2}, 2), 0.5);
        assertArrayEquals(new double[] {0.5, 1}, t64.toDoubleArray(), 0);
        Tensor t32 = Tensor.zeros(2);
        String m = assertThrows(IllegalArgumentException.class, () -> t32.addInPlace(t64, 1)).getMessage();
        assertTrue(m.contains("float64") && m.contains("float32") && m.contains(".to(DType.FLOAT64)"), m);
        assertArrayEquals(new double[] {0, 0}, t32.toDoubleArray(), 0, "nothing was written");
    }
}
