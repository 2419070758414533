package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Comparisons and logical ops return bool tensors; where and maskedFill take bool masks. */
class ComparisonTest {
    private static final boolean T = true, F = false;

    @Test
    void comparisonsBroadcastAndReturnBool() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor row = Tensor.of(new double[] {2, 2, 7}, 3);
        assertEquals(DType.BOOL, x.lt(row).dtype());
        assertArrayEquals(new boolean[] {T, F, T, F, F, T}, x.lt(row).toBooleanArray());
        assertArrayEquals(new boolean[] {T, T, T, F, F, T}, x.le(row).toBooleanArray());
        assertArrayEquals(new boolean[] {F, F, F, T, T, F}, x.gt(row).toBooleanArray());
        assertArrayEquals(new boolean[] {F, T, F, T, T, F}, x.ge(row).toBooleanArray());
        assertArrayEquals(new boolean[] {F, T, F, F, F, F}, x.eq(row).toBooleanArray());
        assertArrayEquals(new boolean[] {T, F, T, T, T, T}, x.ne(row).toBooleanArray());
        assertArrayEquals(new boolean[] {F, F, T, T, T, T}, x.gt(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {F, F, F, T, F, F}, x.eq(4).toBooleanArray());
        assertArrayEquals(new int[] {2, 3}, x.gt(row).shape());
    }

    @Test
    void comparisonsAcrossDtypesComparePromotedValues() {
        Tensor i = Tensor.of(new int[] {1, 2, 3}, 3);
        Tensor f = Tensor.of(new double[] {1.5, 2, 2.5}, 3);
        assertArrayEquals(new boolean[] {T, F, F}, i.lt(f).toBooleanArray());
        assertArrayEquals(new boolean[] {F, T, F}, i.eq(f).toBooleanArray());
        assertArrayEquals(new boolean[] {F, F, T}, i.gt(2.5).toBooleanArray(), "2.5 is not truncated to 2");
        Tensor b = Tensor.of(new boolean[] {T, F, T}, 3);
        assertArrayEquals(new boolean[] {T, F, F}, b.eq(i).toBooleanArray(), "true compares as 1");
        // 0.1 is compared in float32, as PyTorch compares a Python float with a float32 tensor
        assertArrayEquals(new boolean[] {T}, Tensor.of(new double[] {0.1}, 1).eq(0.1).toBooleanArray());
        assertArrayEquals(new boolean[] {T}, Tensor.of(new double[] {Double.NaN}, 1).ne(Double.NaN).toBooleanArray());
    }

    @Test
    void logicalOpsReadNonzeroAsTrue() {
        Tensor a = Tensor.of(new boolean[] {T, T, F, F}, 4);
        Tensor b = Tensor.of(new boolean[] {T, F, T, F}, 4);
        assertArrayEquals(new boolean[] {T, F, F, F}, a.logicalAnd(b).toBooleanArray());
        assertArrayEquals(new boolean[] {T, T, T, F}, a.logicalOr(b).toBooleanArray());
        assertArrayEquals(new boolean[] {F, F, T, T}, a.logicalNot().toBooleanArray());
        assertEquals(DType.BOOL, a.logicalAnd(b).dtype());
        assertArrayEquals(new boolean[] {T, F, T}, Tensor.of(new double[] {-2, 0, 0.5}, 3)
                .logicalOr(Tensor.zeros(3)).toBooleanArray());
        assertArrayEquals(new boolean[] {T, F}, Tensor.of(new boolean[] {T, F}, 2)
                .logicalAnd(Tensor.of(new boolean[] {T}, 1)).toBooleanArray(), "broadcasts");
    }

    @Test
    void whereAndMaskedFillTakeBoolMasksAndGradientsReachOnlyTheFloatOperands() {
        Tensor a = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor b = Tensor.of(DType.FLOAT64, new double[] {10, 20, 30}, 3).requiresGrad(true);
        Tensor mask = a.gt(1.5);
        try (Tape tape = Tape.record()) {
            Tensor y = Tensor.where(mask, a, b);
            assertArrayEquals(new double[] {10, 2, 3}, y.toDoubleArray());
            Tensor z = a.maskedFill(mask, -1);
            assertArrayEquals(new double[] {1, -1, -1}, z.toDoubleArray());
            tape.backward(y.mul(Tensor.of(DType.FLOAT64, new double[] {1, 2, 3}, 3)).sum().add(z.mul(5).sum()));
        }
        assertArrayEquals(new double[] {5, 2, 3}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 0}, b.grad().toDoubleArray());
        assertFalse(mask.requiresGrad());
    }

    @Test
    void whereAndMaskedFillWorkOnInt32AndBoolValues() {
        Tensor m = Tensor.of(new boolean[] {T, F, T}, 3);
        Tensor i = Tensor.where(m, Tensor.of(new int[] {1, 2, 3}, 3), Tensor.of(new int[] {-1}, 1));
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(new int[] {1, -1, 3}, i.toIntArray());
        Tensor b = Tensor.where(m, Tensor.of(new boolean[] {F, F, F}, 3), Tensor.of(new boolean[] {T, T, T}, 3));
        assertArrayEquals(new boolean[] {F, T, F}, b.toBooleanArray());
        assertArrayEquals(new int[] {7, 2, 7}, Tensor.of(new int[] {1, 2, 3}, 3).maskedFill(m, 7).toIntArray());
    }

    @Test
    void aFloatMaskMustHoldZerosAndOnes() {
        String msg = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2).maskedFill(Tensor.of(new double[] {0, 0.5}, 2), 1)).getMessage();
        assertTrue(msg.contains("0.5") && msg.contains("bool"), msg);
    }
}
