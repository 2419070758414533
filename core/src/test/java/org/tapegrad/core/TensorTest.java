package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.core.TestTensors.f64;

import java.util.Random;
import java.util.SplittableRandom;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.internal.kernel.UnaryFn;

class TensorTest {

    @Test
    void storageIsAnEjmlMatrixOfFirstDimensionByTheRest() {
        Tensor x = Tensor.zeros(2, 3, 4, 5);
        FMatrixRMaj m = x.float32Matrix();
        assertEquals(2, m.numRows);
        assertEquals(60, m.numCols);
        assertSame(DType.FLOAT32, x.dtype());
        assertEquals(120, x.numel());
        assertEquals(4, x.rank());
        assertEquals(5, x.size(-1));
        assertEquals(1, Tensor.scalar(7).float32Matrix().getNumElements());
        assertEquals(DType.FLOAT64, Tensor.zeros(DType.FLOAT64, 3).dtype());
    }

    @Test
    void reshapeSharesStorage() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor y = x.reshape(3, -1);
        assertArrayEquals(new int[] {3, 2}, y.shape());
        assertSame(x.float32Matrix().data, y.float32Matrix().data, "a reshape copies nothing");
        assertEquals(6, y.get(2, 1), 0);
        assertArrayEquals(new int[] {2, 3}, Tensor.zeros(2, 3, 1).flatten(1).shape());
        assertArrayEquals(new int[] {6}, Tensor.zeros(2, 3).flatten().shape());
    }

    @Test
    void factoriesAndConversions() {
        assertArrayEquals(new double[] {2.5, 2.5}, Tensor.full(2.5, 2).toDoubleArray(), 0);
        assertArrayEquals(new float[] {1, 1, 1}, Tensor.ones(3).toFloatArray(), 0);
        assertEquals(4, Tensor.of(new double[][] {{1, 2}, {3, 4}}).get(1, 1), 0);
        assertEquals(3, Tensor.of(new float[][] {{1, 2}, {3, 4}}).get(1, 0), 0);
        assertEquals(-2, Tensor.scalar(DType.FLOAT64, -2).item(), 0);
        Tensor r1 = Tensor.randn(new Random(5), 3, 3);
        Tensor r2 = Tensor.randn(new Random(5), 3, 3);
        assertArrayEquals(r1.toFloatArray(), r2.toFloatArray(), 0, "seeded: reproducible");
        double[] u = Tensor.rand(DType.FLOAT64, new SplittableRandom(1), 1000).toDoubleArray();
        for (double v : u) {
            assertTrue(v >= 0 && v < 1);
        }
        Tensor w = Tensor.wrap(new FMatrixRMaj(2, 2, true, 1, 2, 3, 4));
        assertEquals(3, w.get(1, 0), 0);
        Tensor d = Tensor.vector(1.5f, 2.5f).to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, d.dtype());
        assertArrayEquals(new double[] {1.5, 2.5}, d.toDoubleArray(), 0);
        Tensor c = d.copy();
        assertNotSame(d.float64Matrix().data, c.float64Matrix().data);
    }

    @Test
    void toStringShowsShapeDtypeAndAbbreviatedValues() {
        assertEquals("tensor([[1, 2], [3, 4]], shape=[2, 2], dtype=float32)",
                Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).toString());
        String big = Tensor.zeros(DType.FLOAT64, 100).toString();
        assertEquals("tensor([0, 0, 0, ..., 0, 0, 0], shape=[100], dtype=float64)", big);
        assertEquals("tensor(0.5000, shape=[], dtype=float32, requiresGrad=true)",
                Tensor.scalar(0.5).requiresGrad(true).toString());
    }

    @Test
    void argmaxAndMaxAlongADimensionPickTheFirstMaximum() {
        Tensor x = Tensor.of(new double[] {1, 5, 5, -1, 0, -3}, 2, 3);
        assertArrayEquals(new int[] {1, 1}, x.argmax(1).toIntArray());
        assertArrayEquals(new int[] {0, 0, 0}, x.argmax(0).toIntArray());
        assertArrayEquals(new double[] {5, 0}, x.max(1, false).toDoubleArray(), 0);
        assertEquals(5, x.max().item(), 0);
        Tensor g = Tensor.of(new double[] {1, 5, 5}, 3).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(g.max(0, false));
        }
        assertArrayEquals(new double[] {0, 1, 0}, g.grad().toDoubleArray(), 0, "ties: the first maximum only");
        g.zeroGrad();
        try (Tape tape = Tape.record()) {
            tape.backward(g.max());
        }
        assertArrayEquals(new double[] {0, 0.5, 0.5}, g.grad().toDoubleArray(), 0,
                "all elements: ties share the gradient, as PyTorch's max()");
    }

    @Test
    void softmaxIsStableForLargeLogits() {
        Tensor x = Tensor.of(new float[] {1000, 1001, 1002}, 1, 3);
        float[] p = x.softmax(1).toFloatArray();
        float[] lp = x.logSoftmax(1).toFloatArray();
        double e = Math.exp(1) + Math.exp(2) + 1;
        assertEquals(Math.exp(2) / e, p[2], 1e-6);
        assertEquals(-Math.log(e), lp[0], 1e-5);
        assertEquals(Math.log(e) - 2, Losses.crossEntropy(x, new int[] {2}).item() + 0, 1e-5);
    }

    @Test
    void erfMatchesReferenceValues() {
        // Reference values of erf to 16 digits (Abramowitz & Stegun table 7.1, extended).
        double[][] table = {{0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
            {2, 0.9953222650189527}, {3, 0.9999779095030014}, {4.5, 0.9999999998033839}, {-1, -0.8427007929497149}};
        for (double[] row : table) {
            assertEquals(row[1], UnaryFn.erf(row[0]), 2e-15, "erf(" + row[0] + ")");
        }
    }

    @Test
    void binaryCrossEntropyWithLogitsIsFiniteForExtremeLogits() {
        Tensor logits = f64(new double[] {-800, 800, 0}, 3);
        Tensor targets = f64(new double[] {1, 0, 1}, 3);
        double loss = Losses.binaryCrossEntropyWithLogits(logits, targets).item();
        assertEquals((800 + 800 + Math.log(2)) / 3, loss, 1e-9);
    }
}
