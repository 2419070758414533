package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The int32 and bool dtypes: factories, conversions, printing, and the refusal to require grad. */
class IntegerTensorTest {

    private static String message(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void factoriesMakeInt32AndBool() {
        Tensor i = Tensor.of(new int[] {3, -1, 7, 0}, 2, 2);
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(new int[] {3, -1, 7, 0}, i.toIntArray());
        assertEquals(7, i.get(1, 0));
        Tensor b = Tensor.of(new boolean[] {true, false, true}, 3);
        assertEquals(DType.BOOL, b.dtype());
        assertArrayEquals(new boolean[] {true, false, true}, b.toBooleanArray());
        assertArrayEquals(new int[] {0, 0, 0}, Tensor.zeros(DType.INT32, 3).toIntArray());
        assertArrayEquals(new int[] {2, 3, 4}, Tensor.arange(2, 5).toIntArray());
        assertArrayEquals(new int[] {0, 1, 2}, Tensor.arange(3).toIntArray());
        assertEquals(4, DType.INT32.itemSize());
        assertEquals(1, DType.BOOL.itemSize());
        assertFalse(DType.INT32.isFloatingPoint());
        assertTrue(DType.FLOAT32.isFloatingPoint());
    }

    @Test
    void int32HoldsEveryInt32Exactly() {
        Tensor i = Tensor.of(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 16_777_217}, 3);
        assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 16_777_217}, i.toIntArray());
    }

    @Test
    void toInt32TruncatesTowardZeroAndRefusesWhatHasNoInt32Value() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {2.7, -2.7, -0.5, 5}, 4);
        assertArrayEquals(new int[] {2, -2, 0, 5}, x.to(DType.INT32).toIntArray());
        String nan = message(ArithmeticException.class,
                () -> Tensor.of(new double[] {1, Double.NaN}, 2).to(DType.INT32));
        assertTrue(nan.contains("element 1") && nan.contains("NaN") && nan.contains("int32"), nan);
        String big = message(ArithmeticException.class,
                () -> Tensor.of(DType.FLOAT64, new double[] {3e9}, 1).to(DType.INT32));
        assertTrue(big.contains("3.0E9") && big.contains("2147483647"), big);
        assertArrayEquals(new boolean[] {true, true, false, true},
                Tensor.of(new double[] {2, -0.1, 0, Double.NaN}, 4).to(DType.BOOL).toBooleanArray());
        assertArrayEquals(new double[] {1, 0}, Tensor.of(new boolean[] {true, false}, 2).to(DType.FLOAT32)
                .toDoubleArray());
        assertArrayEquals(new double[] {Integer.MAX_VALUE, -3},
                Tensor.of(new int[] {Integer.MAX_VALUE, -3}, 2).to(DType.FLOAT64).toDoubleArray());
        assertArrayEquals(new int[] {2, -2}, Tensor.of(DType.INT32, new double[] {2.9, -2.9}, 2).toIntArray());
        assertArrayEquals(new int[] {-1, -1}, Tensor.full(DType.INT32, -1.5, 2).toIntArray());
    }

    @Test
    void printsIntsWithoutDecimalsAndBoolsAsWords() {
        assertEquals("tensor([[1, -2], [3, 40000000]], shape=[2, 2], dtype=int32)",
                Tensor.of(new int[] {1, -2, 3, 40_000_000}, 2, 2).toString());
        assertEquals("tensor([true, false], shape=[2], dtype=bool)",
                Tensor.of(new boolean[] {true, false}, 2).toString());
    }

    @Test
    void integerAndBoolTensorsNeverRequireGrad() {
        String m = message(IllegalArgumentException.class, () -> Tensor.of(new int[] {1}, 1).requiresGrad(true));
        assertTrue(m.contains("int32") && m.contains(".to(DType.FLOAT32)"), m);
        m = message(IllegalArgumentException.class, () -> Tensor.zeros(DType.BOOL, 2).requiresGrad(true));
        assertTrue(m.contains("bool"), m);
        Tensor.of(new int[] {1}, 1).requiresGrad(false); // asking for no gradient is fine
        Tensor x = Tensor.of(new double[] {1.5, 2.5}, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor i = x.to(DType.INT32);
            assertFalse(i.requiresGrad(), "a conversion to int32 is not recorded");
            assertArrayEquals(new int[] {1, 2}, i.toIntArray());
        }
    }

    @Test
    void viewsAndCopiesWorkOnInt32() {
        Tensor i = Tensor.of(new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new int[] {1, 4, 2, 5, 3, 6}, i.t().contiguous().toIntArray());
        assertArrayEquals(new int[] {2, 3, 5, 6}, i.narrow(1, 1, 2).toIntArray());
        assertArrayEquals(new int[] {4, 5, 6}, i.select(0, 1).toIntArray());
        assertEquals(DType.INT32, Tensor.cat(java.util.List.of(i, i), 0).dtype());
        Tensor target = Tensor.zeros(DType.INT32, 2);
        target.copyFrom(Tensor.of(new double[] {1.9, -1.9}, 2));
        assertArrayEquals(new int[] {1, -1}, target.toIntArray());
    }

    @Test
    void aDatasetOfInt32RowsBatchesThemFreshAndIntoAReusedBatch() {
        var ds = new org.tapegrad.core.data.TensorDataset(Tensor.of(new int[] {10, 11, 20, 21, 30, 31}, 3, 2),
                new int[] {0, 1, 2});
        org.tapegrad.core.data.Batch b = ds.batch(new int[] {2, 0});
        assertEquals(DType.INT32, b.inputs().dtype());
        assertArrayEquals(new int[] {30, 31, 10, 11}, b.inputs().toIntArray());
        org.tapegrad.core.data.Batch r = ds.batch(new int[] {1, 2}, b);
        assertArrayEquals(new int[] {20, 21, 30, 31}, r.inputs().toIntArray());
        assertArrayEquals(new int[] {1, 2}, r.labelsTensor().toIntArray());
    }

    @Test
    void randomFactoriesAndDualTensorsRefuseIntegerDtypes() {
        java.util.Random rng = new java.util.Random(1);
        String m = message(IllegalArgumentException.class, () -> Tensor.rand(DType.INT32, rng, 3));
        assertTrue(m.contains("rand: draws floating-point values, not int32 ones"), m);
        m = message(IllegalArgumentException.class, () -> Tensor.randn(DType.BOOL, rng, 3));
        assertTrue(m.contains("randn: draws floating-point values, not bool ones"), m);
        try (ForwardAD.Level level = ForwardAD.dualLevel()) {
            Tensor i = Tensor.of(new int[] {1, 2}, 2);
            m = message(IllegalArgumentException.class, () -> ForwardAD.makeDual(i, i));
            assertTrue(m.contains("a int32 tensor has no tangent"), m);
        }
    }
}
