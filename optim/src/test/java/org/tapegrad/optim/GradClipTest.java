package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

class GradClipTest {

    static Tensor withGrad(DType dtype, double... grad) {
        Tensor p = Tensor.zeros(dtype, grad.length);
        p.setGrad(Tensor.of(dtype, grad, grad.length));
        return p;
    }

    @Test
    void clipGradNormScalesAllGradientsByOneFactor() {
        Tensor a = withGrad(DType.FLOAT64, 3, 0);
        Tensor b = withGrad(DType.FLOAT64, 0, -4);
        Tensor none = Tensor.zeros(2); // no gradient: skipped
        double norm = GradClip.clipGradNorm(List.of(a, b, none), 1.0);
        assertEquals(5.0, norm, 0.0); // √(9 + 16)
        // c = 1/(5 + 1e-6): 3c = 0.59999988000002, 4c = 0.79999984000003
        assertArrayEquals(new double[] {0.59999988000002, 0}, a.grad().toDoubleArray(), 1e-14);
        assertArrayEquals(new double[] {0, -0.79999984000003}, b.grad().toDoubleArray(), 1e-14);
        assertNull(none.grad());
    }

    @Test
    void clipGradNormLeavesSmallGradientsAloneAndWorksOnFloat32() {
        Tensor a = withGrad(DType.FLOAT32, 1, 2, 2); // norm 3
        assertEquals(3.0, GradClip.clipGradNorm(List.of(a), 10), 1e-6);
        assertArrayEquals(new float[] {1, 2, 2}, a.grad().toFloatArray(), 0f);
        assertEquals(3.0, GradClip.clipGradNorm(List.of(a), 1.5), 1e-6);
        assertArrayEquals(new float[] {0.5f, 1f, 1f}, a.grad().toFloatArray(), 1e-6f);
        assertEquals(0.0, GradClip.clipGradNorm(List.of(Tensor.zeros(2)), 1.0), 0.0);
    }

    @Test
    void clipGradValueClampsEachElement() {
        Tensor a = withGrad(DType.FLOAT32, -1, 0.2, 0.7);
        Tensor b = withGrad(DType.FLOAT64, 3, -0.5);
        GradClip.clipGradValue(List.of(a, b), 0.5);
        assertArrayEquals(new float[] {-0.5f, 0.2f, 0.5f}, a.grad().toFloatArray(), 0f);
        assertArrayEquals(new double[] {0.5, -0.5}, b.grad().toDoubleArray(), 0.0);
    }
}
