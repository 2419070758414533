package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The promotion rules of int32 and bool (TypePromotion), and the refusals with their fixes. */
class IntegerPromotionTest {
    private static final Tensor I = Tensor.of(new int[] {1, -2, 3}, 3);
    private static final Tensor B = Tensor.of(new boolean[] {true, false, true}, 3);

    private static String message(Class<? extends Throwable> type, Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void int32ArithmeticStaysInt32AndExact() {
        Tensor j = Tensor.of(new int[] {10, 20, 30}, 3);
        assertEquals(DType.INT32, I.add(j).dtype());
        assertArrayEquals(new int[] {11, 18, 33}, I.add(j).toIntArray());
        assertArrayEquals(new int[] {-9, -22, -27}, I.sub(j).toIntArray());
        assertArrayEquals(new int[] {10, -40, 90}, I.mul(j).toIntArray());
        assertArrayEquals(new int[] {-1, 2, -3}, I.neg().toIntArray());
        assertArrayEquals(new int[] {1, 2, 3}, I.abs().toIntArray());
        assertArrayEquals(new int[] {10, 20, 30}, I.maximum(j).toIntArray());
        assertEquals(DType.INT32, I.sum().dtype());
        assertEquals(2, I.sum().item());
        assertArrayEquals(new int[] {1, -1, 2}, I.cumsum(0).toIntArray());
        assertArrayEquals(new int[] {46_340 * 46_340}, Tensor.of(new int[] {46_340}, 1).mul(
                Tensor.of(new int[] {46_340}, 1)).toIntArray(), "the largest square in int32, exact");
    }

    @Test
    void int32OverflowIsRefusedRatherThanWrapped() {
        Tensor big = Tensor.of(new int[] {Integer.MAX_VALUE}, 1);
        String m = message(ArithmeticException.class, () -> big.add(Tensor.of(new int[] {1}, 1)));
        assertTrue(m.contains("add") && m.contains("overflow") && m.contains("2147483648")
                && m.contains(".to(DType.FLOAT64)"), m);
        m = message(ArithmeticException.class, () -> Tensor.of(new int[] {Integer.MIN_VALUE}, 1).neg());
        assertTrue(m.contains("neg"), m);
        m = message(ArithmeticException.class, () -> Tensor.of(new int[] {65_536}, 1).mul(Tensor.of(new int[] {65_536},
                1)));
        assertTrue(m.contains("mul") && m.contains("4294967296"), m);
    }

    @Test
    void mixingWithFloatsPromotesToTheFloat() {
        Tensor f = Tensor.of(new double[] {0.5, 0.5, 0.5}, 3);
        assertEquals(DType.FLOAT32, I.add(f).dtype());
        assertArrayEquals(new double[] {1.5, -1.5, 3.5}, I.add(f).toDoubleArray());
        assertEquals(DType.FLOAT64, I.mul(f.to(DType.FLOAT64)).dtype());
        // a rank-0 tensor of a higher category promotes (PyTorch): int32 [3] times a float64 scalar is float64
        assertEquals(DType.FLOAT64, I.mul(Tensor.scalar(DType.FLOAT64, 2)).dtype());
        // of the same category it does not: float32 [3] times a float64 scalar stays float32
        assertEquals(DType.FLOAT32, f.mul(Tensor.scalar(DType.FLOAT64, 2)).dtype());
        // a Java double is a floating-point scalar, as a Python float
        assertEquals(DType.FLOAT32, I.mul(2.0).dtype());
        assertArrayEquals(new double[] {1.5, -3, 4.5}, I.mul(1.5).toDoubleArray());
        assertEquals(DType.FLOAT32, I.mean().dtype());
        assertEquals(2.0 / 3, I.mean().item(), 1e-6);
    }

    @Test
    void trueDivisionOfIntegersIsFloat32() {
        Tensor q = I.div(Tensor.of(new int[] {2, 4, 2}, 3));
        assertEquals(DType.FLOAT32, q.dtype());
        assertArrayEquals(new double[] {0.5, -0.5, 1.5}, q.toDoubleArray());
        assertEquals(DType.FLOAT32, I.div(2).dtype());
    }

    @Test
    void boolPromotesToInt32WithIntegersAndTakesNoArithmeticAlone() {
        assertEquals(DType.INT32, B.add(I).dtype());
        assertArrayEquals(new int[] {2, -2, 4}, B.add(I).toIntArray());
        String m = message(IllegalArgumentException.class, () -> B.add(B));
        assertTrue(m.contains("add") && m.contains("bool") && m.contains(".to(DType.INT32)")
                && m.contains("logicalOr"), m);
        assertEquals(DType.INT32, B.sum().dtype());
        assertEquals(2, B.sum().item(), "sum counts the trues");
        assertArrayEquals(new boolean[] {true, false, true}, B.maximum(Tensor.of(new boolean[] {false}, 1))
                .toBooleanArray());
    }

    @Test
    void floatingPointMathIsRefusedOnIntegersWithTheFix() {
        Executable[] calls = {() -> I.exp(), () -> I.log(), () -> I.sqrt(), () -> I.sigmoid(),
                () -> I.pow(2), () -> I.reshape(1, 3).matmul(I.reshape(3, 1)), () -> I.softmax(0),
                () -> B.exp(), () -> I.reshape(1, 1, 3).bmm(I.reshape(1, 3, 1)),
                () -> Tensor.linear(I.reshape(1, 3), I.reshape(1, 3), null),
                () -> I.reshape(1, 1, 1, 3).conv2d(I.reshape(1, 1, 1, 3), null, 1, 0),
                () -> I.reshape(1, 1, 1, 3).maxPool2d(new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}),
                () -> I.reshape(1, 1, 1, 3).avgPool2d(1), () -> Tensor.einsum("i,i->", I, I),
                () -> Losses.crossEntropy(I.reshape(1, 3), new int[] {0}),
                () -> I.logSoftmax(0), () -> I.tanh(), () -> I.relu(), () -> I.norm(2)};
        for (int i = 0; i < calls.length; i++) {
            String m = assertThrows(IllegalArgumentException.class, calls[i], "call " + i).getMessage();
            assertTrue(m.contains("not defined for") && m.contains(".to(DType.FLOAT32)"), m);
        }
        assertEquals(DType.FLOAT32, I.to(DType.FLOAT32).exp().dtype(), "the fix works");
        // an op composed of int32 arithmetic and a mean is defined: exact squares, then a float32 mean
        assertEquals(14.0 / 3, Losses.mse(I, Tensor.zeros(DType.INT32, 3)).item(), 1e-6);
        assertEquals(DType.FLOAT32, I.var().dtype(), "mean, then float32 arithmetic");
        assertEquals(19.0 / 3, I.var().item(), 1e-5);
    }

    @Test
    void inPlaceUpdatesDoNotConvertIntegersImplicitly() {
        Tensor target = Tensor.zeros(DType.INT32, 3);
        String m = message(IllegalArgumentException.class, () -> target.addInPlace(Tensor.ones(3), 1));
        assertTrue(m.contains("addInPlace") && m.contains("int32"), m);
        m = message(IllegalArgumentException.class, () -> Tensor.zeros(3).addInPlace(I, 1));
        assertTrue(m.contains(".to(FLOAT32)"), m);
    }
}
