package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangesTest {

    @Test
    void addFillAndCopyTouchOnlyTheirRangeInEitherDtype() {
        for (DType dtype : DType.values()) {
            Tensor dst = Tensor.of(dtype, new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor src = Tensor.of(dtype, new double[] {10, 20, 30, 40, 50, 60}, 2, 3);
            Ranges.add(src, dst, 1, 4);
            assertArrayEquals(new double[] {1, 22, 33, 44, 5, 6}, dst.toDoubleArray(), dtype.toString());
            Ranges.fill(dst, -1, 4, 6);
            assertArrayEquals(new double[] {1, 22, 33, 44, -1, -1}, dst.toDoubleArray(), dtype.toString());
            Ranges.copy(src.t().narrow(0, 1, 1), dst, 4); // a view: its elements in row-major order, [20, 50]
            assertArrayEquals(new double[] {1, 22, 33, 44, 20, 50}, dst.toDoubleArray(), dtype.toString());
        }
    }

    @Test
    void badRangesAndMismatchedTensorsAreRefused() {
        Tensor a = Tensor.zeros(2, 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Ranges.fill(a, 0, 2, 7));
        assertTrue(e.getMessage().contains("[2, 7)") && e.getMessage().contains("6 elements"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Ranges.add(a, a, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> Ranges.add(Tensor.zeros(DType.FLOAT64, 2, 3), a, 0, 6));
        assertThrows(IllegalArgumentException.class, () -> Ranges.add(Tensor.zeros(5), a, 0, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> Ranges.copy(Tensor.zeros(4), a, 3));
    }
}
