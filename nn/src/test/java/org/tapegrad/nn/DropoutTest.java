package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

class DropoutTest {

    @Test
    void evalModeIsTheIdentity() {
        Dropout d = new Dropout(0.5, new Random(0));
        d.eval();
        Tensor x = Tensor.randn(new Random(1), 10, 10);
        assertSame(x, d.call(x));
    }

    @Test
    void trainingKeepsElementsScaledByExactlyOneOverOneMinusP() {
        double p = 0.3;
        Dropout d = new Dropout(p, new Random(0));
        Tensor x = Tensor.ones(1000, 100).requiresGrad(true);
        Tensor y;
        try (Tape tape = Tape.record()) {
            y = d.call(x);
            tape.backward(y.sum());
        }
        float kept = (float) (1 / (1 - p));
        float[] v = y.toFloatArray();
        int dropped = 0;
        for (float e : v) {
            if (e == 0) {
                dropped++;
            } else {
                assertEquals(kept, e, 0f);
            }
        }
        // 100k Bernoulli(0.3) draws: standard deviation of the fraction ~0.0015.
        assertEquals(p, dropped / (double) v.length, 0.01);
        assertArrayEquals(v, x.grad().toFloatArray(), 0f); // the gradient uses the same mask
    }

    @Test
    void probabilityOutsideRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0, new Random(0)));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1, new Random(0)));
    }
}
