package org.tapegrad.core.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The float32 tanh and sigmoid of the fused recurrent cells against the exact functions. */
class ActivationsTest {
    @Test
    void float32TanhAndSigmoidAreWithinFourTenMillionthsOfTheExactFunctions() {
        double worstTanh = 0;
        double worstSigmoid = 0;
        for (int k = -400_000; k <= 400_000; k++) {
            float x = k * 5e-5f;
            worstTanh = Math.max(worstTanh, Math.abs(Activations.tanh(x) - Math.tanh(x)));
            worstSigmoid = Math.max(worstSigmoid, Math.abs(Activations.sigmoid(x) - 1 / (1 + Math.exp(-x))));
        }
        assertTrue(worstTanh < 4e-7, "tanh error " + worstTanh);
        assertTrue(worstSigmoid < 2.5e-7, "sigmoid error " + worstSigmoid);
        assertEquals(1, Activations.tanh(1e30f), 4e-7); // clamped: large inputs stay at the clamp's value
        assertEquals(-Activations.tanh(1e30f), Activations.tanh(-1e30f));
        assertTrue(Float.isNaN(Activations.tanh(Float.NaN)) && Float.isNaN(Activations.sigmoid(Float.NaN)));
    }
}
