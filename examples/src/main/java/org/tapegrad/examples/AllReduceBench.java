package org.tapegrad.examples;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.tapegrad.nn.distributed.ProcessGroup;

/**
 * The cost of one gradient all-reduce between processes, apart from any wait for a slower rank: each repetition
 * is a barrier (so every rank starts together) and then an all-reduce (sum) of the gradient buffer of the mnist MLP
 * (335,114 floats) or CNN (80,202 floats), timed alone. Start one process per rank with RANK, WORLD_SIZE,
 * MASTER_ADDR and MASTER_PORT set:
 *
 * <pre>
 * java -cp tapegrad-examples.jar org.tapegrad.examples.AllReduceBench [repetitions]
 * </pre>
 */
final class AllReduceBench {
    private AllReduceBench() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        try (ProcessGroup g = ProcessGroup.fromEnvironment(Duration.ofMinutes(2))) {
            for (int n : new int[] {335_114, 80_202}) {
                float[] buffer = new float[n];
                Arrays.fill(buffer, 1e-3f);
                double[] ms = new double[reps];
                for (int i = -20; i < reps; i++) { // 20 warm-up repetitions
                    g.barrier();
                    long t0 = System.nanoTime();
                    g.allReduce(buffer, 0, n, ProcessGroup.ReduceOp.SUM);
                    if (i >= 0) {
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    Arrays.fill(buffer, 1e-3f);
                }
                Arrays.sort(ms);
                if (g.rank() == 0) {
                    System.out.printf(Locale.ROOT, "%d ranks, %,d floats (%.2f MB): all-reduce median %.2f ms, "
                            + "p10 %.2f ms, p90 %.2f ms over %d repetitions%n", g.worldSize(), n, n * 4 / 1e6,
                            ms[reps / 2], ms[reps / 10], ms[reps * 9 / 10], reps);
                }
            }
        }
    }
}
