package org.tapegrad.core.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockedMatmul} with a team of threads gives the same bits as with one thread (each element of C is summed by
 * one thread in the same order, whoever claims its chunk), and can be used by several threads at once. The values
 * themselves are checked against a triple loop in {@link MatmulKernelTest}.
 */
class BlockedMatmulThreadsTest {
    private static final BlockedMatmul ONE = BlockedMatmul.create(1);

    /**
     * m x k x n: column chunks, row chunks, a narrow C, a small C over a long depth (the dot path for A·Bᵀ, over
     * several of its depth blocks: a convolution's weight gradient), and (the last) a product too large to pack op(A)
     * whole.
     */
    private static final int[][] SHAPES = {{128, 784, 256}, {256, 128, 784}, {128, 256, 256}, {300, 200, 40},
        {1000, 256, 10}, {129, 257, 130}, {16, 4500, 25}, {1000, 1100, 1040}};

    @Test
    void teamsOfTwoAndThreeGiveTheSameBitsAsOneThread() {
        Random rng = new Random(7);
        for (int threads : new int[] {2, 3}) {
            BlockedMatmul team = BlockedMatmul.create(threads);
            long before = team.teamProducts();
            for (int[] s : SHAPES) {
                for (int t = 0; t < 4; t++) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        Product p = new Product(rng, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, accumulate);
                        String what = threads + " threads, " + s[0] + "x" + s[1] + "x" + s[2] + " t=" + t
                                + (accumulate ? " +=" : "");
                        assertArrayEquals(p.on(ONE), p.on(team), what);
                    }
                }
            }
            assertTrue(team.teamProducts() > before, threads + " threads: some products must have run on the team");
        }
    }

    @Test
    void oneKernelServesSeveralCallingThreadsAtOnce() throws Exception {
        BlockedMatmul shared = BlockedMatmul.create(2);
        Random rng = new Random(11);
        List<Product> products = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int[] s = SHAPES[i % 4];
            Product p = new Product(rng, s[0], s[1], s[2], i % 3 == 0, i % 2 == 0, i % 5 == 0);
            products.add(p);
            expected.add(p.on(ONE));
        }
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int caller = 0; caller < 4; caller++) {
                int first = caller;
                done.add(callers.submit(() -> {
                    for (int round = 0; round < 10; round++) {
                        for (int i = first; i < products.size(); i += 4) {
                            assertArrayEquals(expected.get(i), products.get(i).on(shared), "product " + i);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(); // rethrows a mismatch seen on a caller thread
            }
        } finally {
            callers.shutdown();
        }
    }

    /** Operands of {@code c (+)= op(a)·op(b)}, stored transposed where asked; C starts from the same values on every run. */
    private static final class Product {
        final FMatrixRMaj a;
        final FMatrixRMaj b;
        final FMatrixRMaj c0;
        final boolean ta;
        final boolean tb;
        final boolean accumulate;

        Product(Random rng, int m, int k, int n, boolean ta, boolean tb, boolean accumulate) {
            this.ta = ta;
            this.tb = tb;
            this.accumulate = accumulate;
            a = random(rng, ta ? k : m, ta ? m : k);
            b = random(rng, tb ? n : k, tb ? k : n);
            c0 = random(rng, m, n);
        }

        float[] on(MatmulKernel kernel) {
            FMatrixRMaj c = c0.copy();
            kernel.gemm(a, ta, b, tb, c, accumulate);
            return c.data;
        }

        private static FMatrixRMaj random(Random rng, int rows, int cols) {
            FMatrixRMaj m = new FMatrixRMaj(rows, cols);
            for (int i = 0; i < m.data.length; i++) {
                m.data[i] = rng.nextFloat() * 2 - 1;
            }
            return m;
        }
    }
}
