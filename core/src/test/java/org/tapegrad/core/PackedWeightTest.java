package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.gemm.BlockedMatmul;
import org.tapegrad.core.gemm.EjmlMatmul;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.gemm.MatmulKernel;

/**
 * A weight packed once must give the same bits as {@link Tensor#linear}, on every path of the kernel (narrow outputs,
 * several depth and column blocks, edge tiles, a few outputs over a long depth, on one thread and a team), and must
 * never be used after the weight changed.
 */
class PackedWeightTest {
    private final MatmulKernel installed = Matmul.kernel();
    private final Random rng = new Random(21);

    @AfterEach
    void restoreKernel() {
        Matmul.use(installed);
    }

    private void assertSameAsLinear(int m, int k, int n, boolean withBias) {
        Tensor x = Tensor.randn(rng, m, k);
        Tensor w = Tensor.randn(rng, n, k);
        Tensor b = withBias ? Tensor.randn(rng, n) : null;
        float[] expected = Tensor.linear(x, w, b).toFloatArray();
        float[] actual = PackedWeight.of(w).linear(x, b).toFloatArray();
        assertArrayEquals(expected, actual, m + "x" + k + "x" + n + (withBias ? " with bias" : ""));
    }

    @Test
    void givesTheSameBitsAsLinearOnEveryKernelPath() {
        for (MatmulKernel kernel : new MatmulKernel[] {BlockedMatmul.create(1), BlockedMatmul.create(2),
            BlockedMatmul.portable(1)}) {
            Matmul.use(kernel);
            int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {128, 784, 256}, {128, 256, 10}, {9, 300, 17}, {33, 257, 33},
                {3, 20, 1100}, {64, 16, 16}, {0, 5, 4}, {10, 4500, 25}};
            for (int[] s : shapes) {
                assertSameAsLinear(s[0], s[1], s[2], true);
                assertSameAsLinear(s[0], s[1], s[2], false);
            }
        }
    }

    @Test
    void aChangedWeightIsRefusedUntilPackedAgain() {
        Tensor w = Tensor.randn(rng, 4, 3);
        Tensor x = Tensor.randn(rng, 2, 3);
        PackedWeight packed = PackedWeight.of(w);
        assertTrue(packed.isCurrent());
        w.copyFrom(Tensor.randn(rng, 4, 3));
        assertFalse(packed.isCurrent());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> packed.linear(x, null));
        assertTrue(e.getMessage().contains("changed since it was packed"), e.getMessage());
        PackedWeight again = PackedWeight.of(w);
        assertArrayEquals(Tensor.linear(x, w, null).toFloatArray(), again.linear(x, null).toFloatArray());
        w.markModified();
        assertFalse(again.isCurrent());
        PackedWeight third = PackedWeight.of(w);
        Matmul.use(BlockedMatmul.portable(1));
        assertFalse(third.isCurrent(), "packed for another kernel");
    }

    @Test
    void aKernelWithoutPackedFormAndFloat64StillCompute() {
        Matmul.use(new EjmlMatmul());
        Tensor x = Tensor.randn(rng, 5, 6);
        Tensor w = Tensor.randn(rng, 3, 6);
        assertArrayEquals(Tensor.linear(x, w, null).toFloatArray(), PackedWeight.of(w).linear(x, null).toFloatArray());
        Matmul.use(installed);
        Tensor x64 = Tensor.randn(DType.FLOAT64, rng, 5, 6);
        Tensor w64 = Tensor.randn(DType.FLOAT64, rng, 3, 6);
        assertArrayEquals(Tensor.linear(x64, w64, null).toDoubleArray(),
                PackedWeight.of(w64).linear(x64, null).toDoubleArray(), 0.0);
    }

    @Test
    void insideARecordingTheProductIsRecordedAsLinear() {
        Tensor w = Tensor.randn(rng, 4, 3).requiresGrad(true);
        Tensor x = Tensor.randn(rng, 2, 3);
        PackedWeight packed = PackedWeight.of(w);
        try (Tape tape = Tape.record()) {
            Tensor y = packed.linear(x, null);
            assertTrue(y.requiresGrad());
            tape.backward(y.sum());
        }
        // d sum(x·wᵀ) / dw = column sums of x, for every row of w
        float[] g = w.grad().toFloatArray();
        float[] xs = x.toFloatArray();
        for (int o = 0; o < 4; o++) {
            for (int i = 0; i < 3; i++) {
                assertTrue(Math.abs(g[o * 3 + i] - (xs[i] + xs[3 + i])) < 1e-6);
            }
        }
    }

    @Test
    void packingIntoLentStorageGivesThePlainProductOnOneAndTwoThreads() {
        Random rng = new Random(3);
        FMatrixRMaj a = new FMatrixRMaj(128, 96);
        FMatrixRMaj w = new FMatrixRMaj(200, 96); // op(b) = wᵀ, 96 x 200: whole panels and an edge
        for (float[] d : new float[][] {a.data, w.data}) {
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) rng.nextGaussian();
            }
        }
        FMatrixRMaj plain = new FMatrixRMaj(128, 200);
        BlockedMatmul.create(1).gemm(a, false, w, true, plain, false);
        for (int threads : new int[] {1, 2}) {
            BlockedMatmul kernel = BlockedMatmul.create(threads);
            float[] lent = new float[kernel.packedLength(96, 200) + 5]; // longer than needed is fine
            MatmulKernel.Packed packed = kernel.pack(w, true, lent);
            FMatrixRMaj c = new FMatrixRMaj(128, 200);
            kernel.gemm(a, false, packed, c, false);
            assertArrayEquals(plain.data, c.data, threads + " thread(s)");
            kernel.gemm(a, false, packed, c, true); // accumulates: 2·plain, exactly
            for (int i = 0; i < c.data.length; i++) {
                assertEquals(2 * plain.data[i], c.data[i], 0, "element " + i);
            }
        }
        BlockedMatmul one = BlockedMatmul.create(1);
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> one.pack(w, true, new float[one.packedLength(96, 200) - 1]));
        assertTrue(tooShort.getMessage().contains("96x200") && tooShort.getMessage().contains("needs"),
                tooShort.getMessage());
    }

    @Test
    void badOperandsAreRefused() {
        BlockedMatmul one = BlockedMatmul.create(1);
        BlockedMatmul other = BlockedMatmul.create(1);
        FMatrixRMaj b = new FMatrixRMaj(4, 3);
        MatmulKernel.Packed packed = one.pack(b, true);
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                () -> other.gemm(new FMatrixRMaj(2, 3), false, packed, new FMatrixRMaj(2, 4), false));
        assertTrue(foreign.getMessage().contains("another kernel"), foreign.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> one.gemm(new FMatrixRMaj(2, 5), false, packed, new FMatrixRMaj(2, 4), false));
        assertTrue(shape.getMessage().contains("the packed operand 3x4"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PackedWeight.of(Tensor.zeros(3)));
    }
}
