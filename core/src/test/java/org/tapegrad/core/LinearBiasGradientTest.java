package org.tapegrad.core;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.gemm.BlockedMatmul;
import org.tapegrad.core.gemm.EjmlMatmul;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.gemm.MatmulKernel;

/**
 * A float32 linear layer's bias gradient is the column sums of the incoming gradient, computed as a one-row product
 * with a column of ones: checked against sums in double, through the tape and straight into a kept gradient, on
 * every kernel path (one row, narrow and wide outputs, edges), with the portable kernel too.
 */
class LinearBiasGradientTest {

    private static void check(int m, int in, int out, boolean kept, Random rng) {
        Tensor x = Tensor.randn(rng, m, in);
        Tensor w = Tensor.randn(rng, out, in).requiresGrad(true);
        Tensor b = Tensor.randn(rng, out).requiresGrad(true);
        Tensor upstream = Tensor.randn(rng, m, out);
        if (kept) {
            b.setGrad(Tensor.full(DType.FLOAT32, 0.5, out)); // the gradient adds onto it
            w.setGrad(Tensor.zeros(out, in));
        }
        try (Tape tape = Tape.record()) {
            tape.backward(Tensor.linear(x, w, b), upstream);
        }
        float[] g = upstream.toFloatArray();
        float[] got = b.grad().toFloatArray();
        for (int j = 0; j < out; j++) {
            double expected = kept ? 0.5 : 0;
            double scale = 1;
            for (int i = 0; i < m; i++) {
                expected += g[i * out + j];
                scale += Math.abs(g[i * out + j]);
            }
            if (Math.abs(got[j] - expected) > 1e-6 * scale) {
                throw new AssertionError(m + "x" + out + (kept ? " kept" : "") + ": column " + j + " expected "
                        + expected + ", got " + got[j]);
            }
        }
    }

    @Test
    void biasGradientIsTheColumnSumsOnEveryPath() {
        MatmulKernel installed = Matmul.kernel();
        Random rng = new Random(41);
        try {
            for (MatmulKernel kernel : new MatmulKernel[] {installed, BlockedMatmul.portable(1), new EjmlMatmul()}) {
                Matmul.use(kernel);
                for (int m : new int[] {1, 3, 17, 128}) {
                    for (int out : new int[] {1, 10, 17, 64, 256, 300}) {
                        check(m, 5, out, false, rng);
                        check(m, 5, out, true, rng);
                    }
                }
            }
        } finally {
            Matmul.use(installed);
        }
    }
}
