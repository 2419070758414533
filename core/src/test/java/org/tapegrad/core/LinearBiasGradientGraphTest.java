package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The float32 bias gradient of linear, taken with createGraph, is itself recorded, so it can be differentiated. */
class LinearBiasGradientGraphTest {

    @Test
    void theBiasGradientOfAFloat32LinearKeepsItsGraph() {
        Random rng = new Random(43);
        Tensor x = Tensor.randn(rng, 6, 3);
        Tensor w = Tensor.randn(rng, 4, 3).requiresGrad(true);
        Tensor b = Tensor.randn(rng, 4).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor y = Tensor.linear(x, w, b);
            Tensor db = Autograd.gradWithGraph(y.pow(2).sum(), b)[0]; // 2·Σ_rows y
            assertTrue(db.requiresGrad(), "the bias gradient must be recorded under createGraph");
            // d(Σ db)/db = 2·rows for every element (y depends on b with slope 1 in each row)
            float[] second = Autograd.grad(db.sum(), b)[0].toFloatArray();
            for (float v : second) {
                assertTrue(Math.abs(v - 12) < 1e-4, "second derivative " + v + ", expected 12");
            }
        }
    }
}
