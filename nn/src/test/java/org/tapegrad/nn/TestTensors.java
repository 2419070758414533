package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** Small helpers shared by the tests. */
final class TestTensors {
    private TestTensors() {
    }

    /** Overwrites a parameter's values (outside recording). */
    static void set(Tensor t, double... values) {
        try (Scope s = Tape.noGrad()) {
            t.copyFrom(Tensor.of(values, t.shape()));
        }
    }

    static void assertValues(double[] expected, Tensor actual, double tol) {
        assertArrayEquals(expected, actual.toDoubleArray(), tol);
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double variance(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return s / v.length;
    }
}
