package org.tapegrad.core.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link MatmulKernel} against a plain triple loop, on odd and tiny shapes, all transpose combinations, with
 * and without accumulation. A new kernel is added to {@link #kernels()} and inherits all of these cases.
 */
class MatmulKernelTest {

    static List<MatmulKernel> kernels() {
        return List.of(new EjmlMatmul(), new EjmlConcurrentMatmul(2), BlockedMatmul.create(1), BlockedMatmul.create(2),
                BlockedMatmul.portable(1), BlockedMatmul.portable(2));
    }

    record Case(MatmulKernel kernel, int m, int k, int n, boolean ta, boolean tb, boolean accumulate) {
        @Override
        public String toString() {
            return kernel.name() + " " + m + "x" + k + "x" + n + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "")
                    + (accumulate ? " +=" : "");
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // Odd sizes, sizes below one vector width and one tile, and sizes past the depth (256), column (1024) and
        // row-block (160) boundaries of BlockedMatmul; C around the narrow width (16 columns with AVX-512, 8 with
        // AVX2); and products large enough for BlockedMatmul's team (2^19 multiply-adds), cut into column chunks,
        // row chunks (C taller than wide), and row chunks of a narrow C; a small C over a long depth (the dot path for
        // A·Bᵀ: edge tiles, depth tails, several depth blocks of 2048, on the team).
        int[][] shapes = {{1, 1, 1}, {1, 7, 1}, {3, 1, 5}, {2, 3, 4}, {7, 5, 3}, {17, 33, 9}, {64, 31, 65},
            {128, 100, 10}, {6, 300, 32}, {121, 257, 33}, {130, 40, 1030}, {13, 20, 7}, {13, 20, 8}, {13, 20, 9},
            {21, 270, 15}, {21, 270, 16}, {21, 270, 17}, {130, 70, 64}, {175, 110, 33}, {37, 300, 100},
            {501, 97, 11}, {1000, 256, 10}, {10, 4500, 25}, {64, 520, 17}};
        for (MatmulKernel kernel : kernels()) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) {
                    for (boolean acc : new boolean[] {false, true}) {
                        cases.add(new Case(kernel, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, acc));
                    }
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheTripleLoop(Case c) {
        Random rng = new Random(c.m() * 31 + c.k() * 7 + c.n());
        double[][] a = random(rng, c.m(), c.k());
        double[][] b = random(rng, c.k(), c.n());
        double[][] c0 = random(rng, c.m(), c.n());
        double[][] expected = new double[c.m()][c.n()];
        for (int i = 0; i < c.m(); i++) {
            for (int j = 0; j < c.n(); j++) {
                double s = c.accumulate() ? c0[i][j] : 0;
                for (int p = 0; p < c.k(); p++) {
                    s += a[i][p] * b[p][j];
                }
                expected[i][j] = s;
            }
        }
        DMatrixRMaj ad = stored(a, c.ta());
        DMatrixRMaj bd = stored(b, c.tb());
        DMatrixRMaj cd = new DMatrixRMaj(c0);
        c.kernel().gemm(ad, c.ta(), bd, c.tb(), cd, c.accumulate());
        FMatrixRMaj cf = new FMatrixRMaj(cd.numRows, cd.numCols);
        for (int i = 0; i < c.m(); i++) {
            for (int j = 0; j < c.n(); j++) {
                cf.set(i, j, (float) c0[i][j]);
            }
        }
        c.kernel().gemm(toFloat(ad), c.ta(), toFloat(bd), c.tb(), cf, c.accumulate());
        for (int i = 0; i < c.m(); i++) {
            for (int j = 0; j < c.n(); j++) {
                assertEquals(expected[i][j], cd.get(i, j), 1e-12, "float64 at " + i + "," + j);
                assertEquals(expected[i][j], cf.get(i, j), 1e-5 * (1 + Math.sqrt(c.k())), "float32 at " + i + "," + j);
            }
        }
    }

    private static double[][] random(Random rng, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = rng.nextDouble() * 2 - 1;
            }
        }
        return m;
    }

    /** The matrix as the kernel receives it: transposed in storage when the kernel is told to transpose it back. */
    private static DMatrixRMaj stored(double[][] m, boolean transposed) {
        DMatrixRMaj d = new DMatrixRMaj(m);
        if (!transposed) {
            return d;
        }
        DMatrixRMaj t = new DMatrixRMaj(d.numCols, d.numRows);
        org.ejml.dense.row.CommonOps_DDRM.transpose(d, t);
        return t;
    }

    private static FMatrixRMaj toFloat(DMatrixRMaj d) {
        FMatrixRMaj f = new FMatrixRMaj(d.numRows, d.numCols);
        for (int i = 0; i < d.getNumElements(); i++) {
            f.data[i] = (float) d.data[i];
        }
        return f;
    }
}
