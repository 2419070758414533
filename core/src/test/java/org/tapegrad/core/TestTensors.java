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

    /** Same shape, and every element within 1e-12 relative (plus 1e-12 absolute) of the expected one. */
    static void assertClose(Tensor expected, Tensor actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.shape(), actual.shape(), "shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(e[i], a[i], 1e-12 * (1 + Math.abs(e[i])), "element " + i);
        }
    }
}
