package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Data made from Java doubles feeds a default (float32) layer, as in PyTorch: {@code Tensor.of(double[])} used to
 * make float64 and the layer refused it ("linear: dtypes float64 and float32 differ").
 */
class DefaultDtypeTest {

    @Test
    void aTensorOfJavaDoublesGoesThroughADefaultLinearInTrainingAndInEvalMode() {
        Linear layer = new Linear(2, 3, new Random(4));
        Tensor x = Tensor.of(new double[] {0.5, -1, 2, 0.25}, 2, 2);
        Tensor y;
        try (Tape tape = Tape.record()) {
            y = layer.call(x);
            tape.backward(new MseLoss().forward(y, Tensor.of(new double[] {1, 0, -1, 0, 1, 2}, 2, 3)));
        }
        assertEquals(DType.FLOAT32, y.dtype());
        assertEquals(DType.FLOAT32, layer.weight().grad().dtype());
        layer.eval(); // the packed inference path
        float[] inference = layer.call(x).toFloatArray();
        assertArrayEquals(y.toFloatArray(), inference, 1e-6f);
    }

    @Test
    void float64DataThroughAFloat32LayerComputesInFloat64AndTheWeightGradientStaysFloat32() {
        Linear layer = new Linear(2, 1, false, new Random(4));
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2}, 1, 2);
        Tensor y;
        try (Tape tape = Tape.record()) {
            y = layer.call(x);
            tape.backward(y.sum());
        }
        assertEquals(DType.FLOAT64, y.dtype());
        float[] w = layer.weight().toFloatArray();
        assertEquals((double) w[0] + 2.0 * w[1], y.item(), 0, "y = x·wᵀ, computed in float64");
        assertEquals(DType.FLOAT32, layer.weight().grad().dtype());
        assertArrayEquals(new float[] {1, 2}, layer.weight().grad().toFloatArray(), 0f, "dW = gᵀ·x = x");
        layer.eval();
        assertEquals(DType.FLOAT64, layer.call(x).dtype(), "eval mode promotes too (not the float32 packed path)");
        assertEquals(y.item(), layer.call(x).item(), 0);
    }
}
