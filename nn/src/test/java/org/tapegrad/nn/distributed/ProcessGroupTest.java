package org.tapegrad.nn.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * The process group with its ranks as threads over loopback TCP: all-reduce against the sum in rank order computed
 * in one process, bit for bit, on every rank; broadcast, gather and barrier; and failures that raise an exception
 * (a closed peer at once, a silent one at the timeout) rather than hang.
 */
class ProcessGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Values spread over eight decades, so that adding them in another order changes some results' bits. */
    private static float[] values32(long seed, int n) {
        Random rng = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(8) - 4));
        }
        return a;
    }

    private static double[] values64(long seed, int n) {
        Random rng = new Random(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextGaussian() * Math.pow(10, rng.nextInt(16) - 8);
        }
        return a;
    }

    @Test
    void allReduceSumAndMeanAreTheRankOrderSumBitForBitOnEveryRank() throws Exception {
        for (int world : new int[] {2, 4}) {
            for (int length : new int[] {1003, 3, 0}) { // 3 < 4 ranks: some chunks are empty
                int offset = 5;
                int size = length + 9;
                float[][] inputs = new float[world][];
                for (int r = 0; r < world; r++) {
                    inputs[r] = values32(100 * world + r, size);
                }
                float[] sum = inputs[0].clone();
                float[] reversed = inputs[world - 1].clone();
                for (int r = 1; r < world; r++) {
                    for (int j = offset; j < offset + length; j++) {
                        sum[j] += inputs[r][j];
                        reversed[j] += inputs[world - 1 - r][j];
                    }
                }
                float[] mean = sum.clone();
                for (int j = offset; j < offset + length; j++) {
                    mean[j] /= world;
                }
                if (world == 4 && length > 100) {
                    assertTrue(!Arrays.equals(sum, reversed), "the data must make the order of addition visible");
                }
                List<float[][]> results = Ranks.run(world, TIMEOUT, g -> {
                    float[] s = inputs[g.rank()].clone();
                    g.allReduce(s, offset, length, ProcessGroup.ReduceOp.SUM);
                    float[] m = inputs[g.rank()].clone();
                    g.allReduce(m, offset, length, ProcessGroup.ReduceOp.MEAN);
                    return new float[][] {s, m};
                });
                for (int r = 0; r < world; r++) {
                    float[] expectedSum = sum.clone();
                    float[] expectedMean = mean.clone();
                    // elements outside the range are the rank's own, untouched
                    System.arraycopy(inputs[r], 0, expectedSum, 0, offset);
                    System.arraycopy(inputs[r], offset + length, expectedSum, offset + length, size - offset - length);
                    System.arraycopy(inputs[r], 0, expectedMean, 0, offset);
                    System.arraycopy(inputs[r], offset + length, expectedMean, offset + length,
                            size - offset - length);
                    assertArrayEquals(expectedSum, results.get(r)[0], 0f, world + " ranks, length " + length);
                    assertArrayEquals(expectedMean, results.get(r)[1], 0f, world + " ranks, length " + length);
                }
            }
        }
    }

    @Test
    void float64AllReduceIsTheRankOrderSumInDouble() throws Exception {
        int world = 4;
        int n = 2001;
        double[][] inputs = new double[world][];
        for (int r = 0; r < world; r++) {
            inputs[r] = values64(7 + r, n);
        }
        double[] sum = inputs[0].clone();
        for (int r = 1; r < world; r++) {
            for (int j = 0; j < n; j++) {
                sum[j] += inputs[r][j];
            }
        }
        double[] mean = sum.clone();
        for (int j = 0; j < n; j++) {
            mean[j] /= world;
        }
        List<double[][]> results = Ranks.run(world, TIMEOUT, g -> {
            double[] s = inputs[g.rank()].clone();
            g.allReduce(s, 0, n, ProcessGroup.ReduceOp.SUM);
            double[] m = inputs[g.rank()].clone();
            g.allReduce(m, 0, n, ProcessGroup.ReduceOp.MEAN);
            return new double[][] {s, m};
        });
        for (double[][] r : results) {
            assertArrayEquals(sum, r[0], 0.0);
            assertArrayEquals(mean, r[1], 0.0);
        }
    }

    @Test
    void aTensorIsAllReducedAsItsArrayAndAViewIsRefused() throws Exception {
        int world = 3;
        int n = 301;
        float[][] inputs = new float[world][];
        for (int r = 0; r < world; r++) {
            inputs[r] = values32(40 + r, n);
        }
        List<float[][]> results = Ranks.run(world, TIMEOUT, g -> {
            float[] array = inputs[g.rank()].clone();
            g.allReduce(array, 0, n, ProcessGroup.ReduceOp.MEAN);
            Tensor t = Tensor.of(inputs[g.rank()].clone(), 7, 43);
            g.allReduce(t, 0, n, ProcessGroup.ReduceOp.MEAN);
            Tensor t64 = Tensor.of(DType.FLOAT64, t.toDoubleArray(), n);
            g.allReduce(t64, 0, n, ProcessGroup.ReduceOp.SUM);
            return new float[][] {array, t.toFloatArray(), toFloats(t64.toDoubleArray())};
        });
        float[] inFloat = inputs[0].clone();
        for (int r = 1; r < world; r++) {
            for (int j = 0; j < n; j++) {
                inFloat[j] += inputs[r][j];
            }
        }
        for (float[][] r : results) {
            assertArrayEquals(r[0], r[1], 0f, "the same bits as the float[] form");
            float[] mean = inFloat.clone();
            for (int j = 0; j < n; j++) {
                mean[j] /= world;
            }
            assertArrayEquals(mean, r[1], 0f);
            // the float64 sum of the float means, then rounded, is 3 x the float mean only up to rounding
            for (int j = 0; j < n; j++) {
                assertEquals(3.0 * r[1][j], r[2][j], 1e-6 * Math.abs(r[1][j]) + 1e-12);
            }
        }
        try (ProcessGroup g = ProcessGroup.connect(0, 1, new InetSocketAddress(0), TIMEOUT)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> g.allReduce(Tensor.zeros(3, 4).t(), 0, 12, ProcessGroup.ReduceOp.SUM));
            assertTrue(e.getMessage().contains("is a view") && e.getMessage().contains("contiguous()"),
                    e.getMessage());
        }
    }

    private static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    @Test
    void broadcastGatherAndBarrier() throws Exception {
        int world = 4;
        float[] root32 = values32(1, 777);
        double[] root64 = values64(2, 13);
        List<Object[]> results = Ranks.run(world, TIMEOUT, g -> {
            float[] a = g.rank() == 1 ? root32.clone() : new float[777];
            g.broadcast(a, 0, 777, 1);
            double[] b = g.rank() == 1 ? root64.clone() : new double[20];
            g.broadcast(b, 3, 10, 1); // elements 3 to 12 only
            g.barrier();
            long[] gathered = g.allGather(1000L * g.rank() - 7);
            return new Object[] {a, b, gathered};
        });
        double[] expected64 = new double[20];
        System.arraycopy(root64, 3, expected64, 3, 10);
        for (int r = 0; r < world; r++) {
            assertArrayEquals(root32, (float[]) results.get(r)[0], 0f);
            if (r != 1) {
                assertArrayEquals(expected64, (double[]) results.get(r)[1], 0.0);
            }
            assertArrayEquals(new long[] {-7, 993, 1993, 2993}, (long[]) results.get(r)[2]);
        }
    }

    @Test
    void differentLengthsOnTwoRanksFailBothWithAMessage() throws Exception {
        List<Exception> errors = Ranks.run(2, TIMEOUT, g -> {
            float[] a = new float[12];
            g.allReduce(a, 0, g.rank() == 0 ? 10 : 12, ProcessGroup.ReduceOp.SUM);
            return null;
        }, e -> e);
        for (Exception e : errors) {
            assertInstanceOf(ProcessGroupException.class, e);
            assertTrue(e.getMessage().contains("same length"), e.getMessage());
        }
    }

    @Test
    void aPeerThatClosesFailsTheOperationAtOnce() throws Exception {
        List<Object> results = Ranks.run(2, TIMEOUT, g -> {
            if (g.rank() == 1) {
                g.close(); // a rank that stops
                return null;
            }
            long t0 = System.nanoTime();
            ProcessGroupException e = assertThrows(ProcessGroupException.class,
                    () -> g.allReduce(new float[100], 0, 100, ProcessGroup.ReduceOp.SUM));
            assertTrue(e.getMessage().contains("rank 1") && e.getMessage().contains("it failed or stopped"),
                    e.getMessage());
            // the group is now failed: later calls say so, naming the first failure
            ProcessGroupException again = assertThrows(ProcessGroupException.class, g::barrier);
            assertTrue(again.getMessage().contains("failed earlier"), again.getMessage());
            return (System.nanoTime() - t0) / 1e9;
        });
        assertTrue((double) results.get(0) < TIMEOUT.toSeconds() / 2.0, "seconds: " + results.get(0));
    }

    @Test
    void aSilentPeerFailsTheOperationAtTheTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        CountDownLatch done = new CountDownLatch(1);
        List<Object> results = Ranks.run(2, timeout, g -> {
            if (g.rank() == 1) {
                done.await(30, TimeUnit.SECONDS); // alive, connected, but never calls
                return null;
            }
            long t0 = System.nanoTime();
            try {
                ProcessGroupException e = assertThrows(ProcessGroupException.class,
                        () -> g.allReduce(new double[1000], 0, 1000, ProcessGroup.ReduceOp.MEAN));
                assertTrue(e.getMessage().contains("timed out after 400 ms waiting for rank(s) [1]"), e.getMessage());
                return (System.nanoTime() - t0) / 1e9;
            } finally {
                done.countDown();
            }
        });
        double seconds = (double) results.get(0);
        assertTrue(seconds >= 0.39 && seconds < 5, "seconds: " + seconds);
    }

    @Test
    void joiningAMasterThatIsNotThereTimesOut() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nobody listens there
        }
        long t0 = System.nanoTime();
        ProcessGroupException e = assertThrows(ProcessGroupException.class, () -> ProcessGroup.join(1, 2,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), Duration.ofMillis(300)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("timed out rank 1 connecting to rank 0"), e.getMessage());
        assertTrue(seconds >= 0.29 && seconds < 5, "seconds: " + seconds);
    }

    @Test
    void startsFromTorchStyleEnvironmentVariables() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int world = 3;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(world);
        try {
            List<java.util.concurrent.Future<long[]>> futures = new java.util.ArrayList<>();
            for (int r = 0; r < world; r++) {
                Map<String, String> env = Map.of("RANK", "" + r, "WORLD_SIZE", "" + world, "MASTER_ADDR", "127.0.0.1",
                        "MASTER_PORT", "" + port);
                futures.add(pool.submit(() -> {
                    try (ProcessGroup g = ProcessGroup.fromEnvironment(env, TIMEOUT)) {
                        return g.allGather(g.rank() * 10L + g.worldSize());
                    }
                }));
            }
            for (var f : futures) {
                assertArrayEquals(new long[] {3, 13, 23}, f.get(1, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void environmentSettingsAreCheckedWithMessagesThatNameTheVariable() {
        Map<String, String> ok = Map.of("RANK", "1", "WORLD_SIZE", "2", "MASTER_ADDR", "node-0", "MASTER_PORT", "29500");
        ProcessGroup.Settings s = ProcessGroup.Settings.of(ok);
        assertEquals(1, s.rank());
        assertEquals(2, s.worldSize());
        assertEquals("node-0", s.master().getHostString());
        assertEquals(29500, s.master().getPort());
        assertMessage("RANK is not set", Map.of("WORLD_SIZE", "2", "MASTER_ADDR", "a", "MASTER_PORT", "1"));
        assertMessage("WORLD_SIZE=two is not an integer",
                Map.of("RANK", "0", "WORLD_SIZE", "two", "MASTER_ADDR", "a", "MASTER_PORT", "1"));
        assertMessage("RANK=2 is out of range for WORLD_SIZE=2 (expected 0 to 1)",
                Map.of("RANK", "2", "WORLD_SIZE", "2", "MASTER_ADDR", "a", "MASTER_PORT", "1"));
        assertMessage("MASTER_ADDR is not set", Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_PORT", "1"));
        assertMessage("MASTER_PORT=70000", Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "a",
                "MASTER_PORT", "70000"));
    }

    private static void assertMessage(String expected, Map<String, String> env) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessGroup.Settings.of(env));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aGroupOfOneChangesNothingAndArgumentsAreChecked() {
        try (ProcessGroup g = ProcessGroup.connect(0, 1, new InetSocketAddress(0), TIMEOUT)) {
            float[] a = {1.5f, -2f};
            g.allReduce(a, 0, 2, ProcessGroup.ReduceOp.MEAN);
            assertArrayEquals(new float[] {1.5f, -2f}, a, 0f);
            g.barrier();
            assertArrayEquals(new long[] {42}, g.allGather(42));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> g.allReduce(a, 1, 2, ProcessGroup.ReduceOp.SUM));
            assertTrue(e.getMessage().contains("elements [1, 3) are not inside a buffer of 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> g.broadcast(a, 0, 2, 1));
            assertTrue(e.getMessage().contains("root 1 is not a rank of a world of 1"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessGroup.connect(2, 2, new InetSocketAddress(0), TIMEOUT));
        assertTrue(e.getMessage().contains("rank 2 is out of range for a world of 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ProcessGroup.connect(0, 1, new InetSocketAddress(0), Duration.ZERO));
        assertTrue(e.getMessage().contains("expected a positive duration"), e.getMessage());
    }
}
