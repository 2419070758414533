package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;

/** The forces demonstration, shortened: training through -dE/dx learns forces that match the analytic ones. */
class ForcesTest {

    @Test
    void theAnalyticForcesAreMinusTheEnergyGradient() {
        Tensor[] data = Forces.configurations(new Random(2), 4);
        double[] x = data[0].toDoubleArray();
        double[] f = data[2].toDoubleArray();
        double h = 1e-6;
        double[] numeric = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int k = i / 6;
            double[] plus = java.util.Arrays.copyOfRange(x, 6 * k, 6 * k + 6);
            double[] minus = plus.clone();
            plus[i % 6] += h;
            minus[i % 6] -= h;
            numeric[i] = -(energy(plus) - energy(minus)) / (2 * h);
        }
        assertArrayEquals(numeric, f, 1e-5);
    }

    private static double energy(double[] p) {
        double e = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = i + 1; j < 3; j++) {
                e += Forces.lennardJones(Math.hypot(p[2 * i] - p[2 * j], p[2 * i + 1] - p[2 * j + 1]));
            }
        }
        return e;
    }

    @Test
    void trainingThroughTheGradientLearnsTheForces() {
        Forces.Outcome o = Forces.run(700, 1, false);
        assertTrue(o.initialForceRelativeError() > 0.9, o.toString());
        assertTrue(o.forceRelativeError() < 0.06, o.toString());
        assertTrue(o.energyRmse() < 0.03, o.toString());
    }
}
