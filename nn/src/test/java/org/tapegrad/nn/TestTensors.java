package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.tapegrad.core.DType;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** Small helpers shared by the tests. */
final class TestTensors {
    private TestTensors() {
    }

    /** Overwrites a parameter's values (outside recording), in the parameter's dtype. */
    static void set(Tensor t, double... values) {
        try (Scope s = Tape.noGrad()) {
            t.copyFrom(Tensor.of(t.dtype(), values, t.shape()));
        }
    }

    /**
     * A float64 tensor of {@code values} (row-major), {@code Tensor.of(DType.FLOAT64, values, shape)}: for the tests
     * that compare with finite differences or with values to more digits than float32 holds.
     */
    static Tensor f64(double[] values, int... shape) {
        return Tensor.of(DType.FLOAT64, values, shape);
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
