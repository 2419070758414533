package org.tapegrad.core;

/** Tensors for the tests that compare with finite differences or with values to more digits than float32 holds. */
final class TestTensors {
    private TestTensors() {
    }

    /** A float64 tensor of {@code values} (row-major): {@code Tensor.of(DType.FLOAT64, values, shape)}. */
    static Tensor f64(double[] values, int... shape) {
        return Tensor.of(DType.FLOAT64, values, shape);
    }

    /** A float64 matrix from rows of equal length. */
    static Tensor f64(double[][] rows) {
        return Tensor.of(DType.FLOAT64, rows);
    }
}
