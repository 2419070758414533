package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class RangesTest {

    @Test
    void addFillAndCopyTouchOnlyTheirRangeInEitherDtype() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
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
    void aRangeCopiesAndAddsIntoARangeAndDividesInItsDtype() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor src = Tensor.of(dtype, new double[] {10, 20, 30, 40}, 4);
            Tensor dst = Tensor.of(dtype, new double[] {1, 2, 3, 4, 5}, 5);
            Ranges.copy(src, 1, dst, 2, 3);
            assertArrayEquals(new double[] {1, 2, 20, 30, 40}, dst.toDoubleArray(), dtype.toString());
            Ranges.div(dst, 4, 1, 3);
            assertArrayEquals(new double[] {1, 0.5, 5, 30, 40}, dst.toDoubleArray(), dtype.toString());
            Ranges.add(src, 0, dst, 3, 2);
            assertArrayEquals(new double[] {1, 0.5, 5, 40, 60}, dst.toDoubleArray(), dtype.toString());
        }
        // float32 divides in float: 1/3 is the float nearest to it, not the double
        Tensor third = Tensor.vector(1f);
        Ranges.div(third, 3, 0, 1);
        assertEquals(Float.floatToRawIntBits(1f / 3f), Float.floatToRawIntBits((float) third.item()));
    }

    @Test
    void putGetAndAddMoveARangeThroughTheBytesOfAMessageInTheDtypesArithmetic() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 * dtype.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
            Tensor t = Tensor.of(dtype, new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Ranges.put(t, 1, 4, b); // [2, 3, 4] into the first 3 elements of the message
            assertEquals(0, b.position(), "the buffer's position is not moved");
            double third = dtype == DType.FLOAT32 ? b.getFloat(2 * 4) : b.getDouble(2 * 8);
            assertEquals(4, third, "little-endian " + dtype + " elements, in order");
            Tensor u = Tensor.zeros(dtype, 5);
            Ranges.get(b, u, 2, 5);
            assertArrayEquals(new double[] {0, 0, 2, 3, 4}, u.toDoubleArray(), dtype.toString());
            Ranges.add(b, u, 1, 4);
            assertArrayEquals(new double[] {0, 2, 5, 7, 4}, u.toDoubleArray(), dtype.toString());
        }
        // the sum is in the tensor's dtype: in float32, 1 + 2^-30 is 1
        ByteBuffer tiny = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 0x1p-30f);
        Tensor one = Tensor.vector(1f);
        Ranges.add(tiny, one, 0, 1);
        assertEquals(1.0, one.item(), 0.0);
        ByteBuffer small = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ranges.put(Tensor.zeros(DType.FLOAT64, 3), 0, 2, small));
        assertTrue(e.getMessage().contains("2 float64 elements need 16 bytes; the buffer has 8"), e.getMessage());
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
