package org.tapegrad.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.distributed.DistributedDataParallel;
import org.tapegrad.nn.distributed.ProcessGroup;
import org.tapegrad.nn.train.DataParallel;

/**
 * Where data parallelism across processes pays, for the mnist MLP (335,114 parameters) and CNN (80,202): for each,
 * the cost of one gradient all-reduce between the ranks, apart from any wait for a slower rank (each repetition is a
 * barrier, so every rank starts together, then an all-reduce (sum) of a buffer of that many floats, timed alone),
 * and each rank's compute for one training step on its share of a global batch of 128 rows (forward and backward
 * through {@code DataParallel} on one thread, as {@code DistributedDataParallel} runs it, random inputs). Rank 0
 * prints both medians and their ratio E/C. Splitting a batch over W ranks turns a step's compute {@code W·C} into
 * {@code C + E}: it pays when {@code E < (W - 1)·C}, before any overlap of the exchange with the backward pass.
 * Start one process per rank with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set:
 *
 * <pre>
 * java -cp tapegrad-examples.jar org.tapegrad.examples.AllReduceBench [all-reduce repetitions] [compute steps]
 * </pre>
 */
final class AllReduceBench {
    static final int GLOBAL_BATCH = 128;
    private static final int WARM_UP = 5;

    private AllReduceBench() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        try (ProcessGroup g = ProcessGroup.fromEnvironment(Duration.ofMinutes(2))) {
            run(g, reps, steps, System.out);
        }
    }

    /** Measures both models on this rank; rank 0 prints to {@code out}. */
    static void run(ProcessGroup g, int reps, int steps, PrintStream out) {
        if (reps < 1 || steps < 1) {
            throw new IllegalArgumentException("AllReduceBench: " + reps + " repetitions and " + steps + " steps; "
                    + "expected at least 1 of each");
        }
        measure("mlp", MnistTrain.mlp(new Random(1)), g, reps, steps, out);
        measure("cnn", MnistTrain.cnn(new Random(1)), g, reps, steps, out);
    }

    private static void measure(String name, Layer model, ProcessGroup g, int reps, int steps, PrintStream out) {
        int n = (int) model.numParameters();
        double[] exchange = allReduceMillis(g, n, reps);
        int from = DistributedDataParallel.shardStart(GLOBAL_BATCH, g.rank(), g.worldSize());
        int rows = DistributedDataParallel.shardStart(GLOBAL_BATCH, g.rank() + 1, g.worldSize()) - from;
        double[] compute = computeMillis(model, rows, steps);
        // every rank's median compute, in microseconds, to rank 0: a step waits for the slowest rank
        long[] computeMicros = g.allGather(Math.round(compute[compute.length / 2] * 1000));
        if (g.rank() != 0) {
            return;
        }
        double e = exchange[reps / 2];
        double c = Arrays.stream(computeMicros).max().orElseThrow() / 1000.0;
        int w = g.worldSize();
        out.printf(Locale.ROOT, "%s: %,d floats (%.2f MB) between %d ranks%n", name, n, n * 4 / 1e6, w);
        out.printf(Locale.ROOT, "  all-reduce        median %.3f ms  (p10 %.3f, p90 %.3f; %d repetitions)%n", e,
                exchange[reps / 10], exchange[reps * 9 / 10], reps);
        out.printf(Locale.ROOT, "  compute per rank  median %.3f ms  (the slowest rank's; %d of %d rows, forward + "
                + "backward, 1 thread; %d steps; by rank: %s ms)%n", c, rows, GLOBAL_BATCH, steps,
                Arrays.toString(Arrays.stream(computeMicros).mapToDouble(u -> u / 1000.0).toArray()));
        out.printf(Locale.ROOT, "  exchange/compute  %.3f  (splitting the batch pays below %d = W - 1, before "
                + "overlap)%n", e / c, w - 1);
    }

    /** Sorted times of {@code reps} all-reduces of {@code n} floats, each after a barrier, after 20 warm-up ones. */
    private static double[] allReduceMillis(ProcessGroup g, int n, int reps) {
        float[] buffer = new float[n];
        Arrays.fill(buffer, 1e-3f);
        double[] ms = new double[reps];
        for (int i = -20; i < reps; i++) {
            g.barrier();
            long t0 = System.nanoTime();
            g.allReduce(buffer, 0, n, ProcessGroup.ReduceOp.SUM);
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.fill(buffer, 1e-3f);
        }
        Arrays.sort(ms);
        return ms;
    }

    /**
     * Sorted times of {@code steps} forward and backward passes of {@code model} over {@code rows} random rows,
     * weighted as a share of a global batch, on one thread, after {@value #WARM_UP} warm-up ones.
     */
    private static double[] computeMillis(Layer model, int rows, int steps) {
        Random rng = new Random(2);
        Tensor x = Tensor.rand(rng, rows, 784);
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = rng.nextInt(10);
        }
        double[] ms = new double[steps];
        try (DataParallel local = new DataParallel(model, 1)) {
            for (int i = -WARM_UP; i < steps; i++) {
                long t0 = System.nanoTime();
                local.backward(x, labels, Losses::crossEntropy, GLOBAL_BATCH);
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                local.zeroGrad();
            }
        }
        Arrays.sort(ms);
        return ms;
    }
}
