package org.tapegrad.core.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockedMatmul}'s path for a short, wide C (fewer rows than two tiles, op(B) = B): every row count around
 * its tile (5 rows on the Vector API, 4 portably) and both tiles of the general path, widths below, at and past its
 * tile (4 vectors) and not a multiple of the vector width, depths of 1 and past the depth block, both layouts of A,
 * and accumulation. Transposed B (which takes the general path) is checked too, for the rows around the boundary.
 */
class BlockedMatmulShortTest {
    private static final int[] WIDTHS = {17, 31, 33, 64, 65, 100, 256};
    private static final int[] DEPTHS = {1, 3, 128, 257};

    @Test
    void shortProductsMatchTheTripleLoop() {
        Random rng = new Random(3);
        for (BlockedMatmul kernel : List.of(BlockedMatmul.create(1), BlockedMatmul.create(2),
                BlockedMatmul.portable(1))) {
            for (int m = 1; m <= 17; m++) {
                for (int n : WIDTHS) {
                    for (int k : DEPTHS) {
                        for (int t = 0; t < 4; t++) {
                            for (boolean accumulate : new boolean[] {false, true}) {
                                check(kernel, rng, m, k, n, (t & 1) != 0, (t & 2) != 0, accumulate);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Short products large enough for a team (2^19 multiply-adds): column chunks, and (C narrower than two tiles of
     * the general path) row chunks, give the same bits as one thread.
     */
    @Test
    void teamsGiveTheSameBitsAsOneThread() {
        BlockedMatmul one = BlockedMatmul.create(1);
        int[][] shapes = {{10, 1000, 2048}, {15, 1800, 20}, {7, 3000, 300}, {16, 300, 300}};
        Random rng = new Random(5);
        for (int threads : new int[] {2, 3}) {
            BlockedMatmul team = BlockedMatmul.create(threads);
            for (int[] s : shapes) {
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        FMatrixRMaj a = random(rng, ta ? s[1] : s[0], ta ? s[0] : s[1]);
                        FMatrixRMaj b = random(rng, s[1], s[2]);
                        FMatrixRMaj c0 = random(rng, s[0], s[2]);
                        FMatrixRMaj expected = c0.copy();
                        one.gemm(a, ta, b, false, expected, accumulate);
                        FMatrixRMaj actual = c0.copy();
                        team.gemm(a, ta, b, false, actual, accumulate);
                        assertArrayEquals(expected.data, actual.data, threads + " threads, " + s[0] + "x" + s[1] + "x"
                                + s[2] + (ta ? " Aᵀ" : "") + (accumulate ? " +=" : ""));
                    }
                }
            }
        }
    }

    private static void check(BlockedMatmul kernel, Random rng, int m, int k, int n, boolean ta, boolean tb,
            boolean accumulate) {
        FMatrixRMaj a = random(rng, ta ? k : m, ta ? m : k);
        FMatrixRMaj b = random(rng, tb ? n : k, tb ? k : n);
        FMatrixRMaj c = random(rng, m, n);
        float[] before = c.data.clone();
        kernel.gemm(a, ta, b, tb, c, accumulate);
        String what = kernel.name() + " " + m + "x" + k + "x" + n + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "")
                + (accumulate ? " +=" : "");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = accumulate ? before[i * n + j] : 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a.get(p, i) : a.get(i, p);
                    double y = tb ? b.get(j, p) : b.get(p, j);
                    s += x * y;
                }
                assertEquals(s, c.get(i, j), 1e-5 * (1 + Math.sqrt(k)), what + " at " + i + "," + j);
            }
        }
    }

    private static FMatrixRMaj random(Random rng, int rows, int cols) {
        FMatrixRMaj x = new FMatrixRMaj(rows, cols);
        for (int i = 0; i < x.data.length; i++) {
            x.data[i] = rng.nextFloat() * 2 - 1;
        }
        return x;
    }
}
