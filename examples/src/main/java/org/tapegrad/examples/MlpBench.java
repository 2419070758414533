package org.tapegrad.examples;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Matmul;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Times the 784-256-256-256-10 ReLU MLP (335,114 parameters) on random data: inference forward, recorded forward,
 * forward + backward, and a full SGD step; reports medians, the backward/forward ratio, matrix-product GFLOP/s and
 * bytes allocated per step.
 */
final class MlpBench {
    private static final int[] WIDTHS = {784, 256, 256, 256, 10};

    private MlpBench() {
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("batch-size", "iterations", "dtype", "threads"));
        DType dtype = parseDtype(args);
        int threads = o.integer("threads", 1, 1);
        if (threads > 1) {
            Matmul.use(Matmul.best(threads));
        }
        if (o.help) {
            System.out.println("""
                    Usage: bench [--batch-size 128] [--iterations 50] [--dtype float32|float64] [--threads 1]
                    Times forward, backward and a full SGD step of the 784-256-256-256-10 MLP on random data.""");
            return;
        }
        int batch = o.integer("batch-size", 128, 1);
        int iterations = o.integer("iterations", 50, 5);

        Random rng = new Random(1);
        Tensor[] params = new Tensor[2 * (WIDTHS.length - 1)];
        for (int l = 0; l < WIDTHS.length - 1; l++) {
            params[2 * l] = Tensor.randn(dtype, rng, WIDTHS[l + 1], WIDTHS[l]).mul(Math.sqrt(2.0 / WIDTHS[l]))
                    .requiresGrad(true);
            params[2 * l + 1] = Tensor.zeros(dtype, WIDTHS[l + 1]).requiresGrad(true);
        }
        Tensor x = Tensor.rand(dtype, rng, batch, 784);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(10);
        }

        long weights = 0;
        for (int l = 0; l < WIDTHS.length - 1; l++) {
            weights += (long) WIDTHS[l] * WIDTHS[l + 1];
        }
        // Forward: x·Wᵀ per layer. Backward: dW for every layer, dX for all but the first (x needs no gradient).
        double forwardFlops = 2.0 * batch * weights;
        double backwardFlops = 2.0 * batch * weights + 2.0 * batch * (weights - (long) WIDTHS[0] * WIDTHS[1]);

        Runnable inference = () -> forward(x, params);
        Runnable recorded = () -> {
            try (Tape tape = Tape.record()) {
                Losses.crossEntropy(forward(x, params), labels);
            }
        };
        Runnable forwardBackward = () -> {
            try (Tape tape = Tape.record()) {
                tape.backward(Losses.crossEntropy(forward(x, params), labels));
            }
        };
        Runnable step = () -> {
            forwardBackward.run();
            for (Tensor p : params) {
                p.addInPlace(p.grad(), -0.01);
                p.zeroGrad();
            }
        };
        System.out.printf("784-256-256-256-10 MLP, batch %d, %s, matmul kernel: %s, %d iterations (medians)%n",
                batch, dtype, Matmul.kernel().name(), iterations);
        double tInference = time(inference, iterations);
        double tRecorded = time(recorded, iterations);
        double tForwardBackward = time(forwardBackward, iterations);
        double tStep = time(step, iterations);
        for (Tensor p : params) {
            p.zeroGrad();
        }
        double tBackward = tForwardBackward - tRecorded;
        System.out.printf("  inference forward      %8.2f ms  %6.1f GFLOP/s  %8.0f samples/s%n", tInference,
                forwardFlops / tInference / 1e6, batch / tInference * 1e3);
        System.out.printf("  recorded forward       %8.2f ms%n", tRecorded);
        System.out.printf("  forward + backward     %8.2f ms  %6.1f GFLOP/s%n", tForwardBackward,
                (forwardFlops + backwardFlops) / tForwardBackward / 1e6);
        System.out.printf("  backward alone         %8.2f ms  backward/forward = %.2f (matmul FLOP ratio %.2f)%n",
                tBackward, tBackward / tRecorded, backwardFlops / forwardFlops);
        System.out.printf("  SGD step               %8.2f ms  %8.0f samples/s%n", tStep, batch / tStep * 1e3);
        System.out.printf("  allocated per step     %8.2f MB%n", allocatedPerRun(step, 10) / 1e6);
    }

    private static DType parseDtype(String[] args) {
        int i = Arrays.asList(args).indexOf("--dtype");
        if (i < 0) {
            return DType.FLOAT32;
        }
        return switch (args[i + 1]) {
            case "float32" -> DType.FLOAT32;
            case "float64" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("--dtype expects float32 or float64, got " + args[i + 1]);
        };
    }

    static Tensor forward(Tensor x, Tensor[] params) {
        Tensor h = x;
        for (int l = 0; l < params.length / 2; l++) {
            h = Tensor.matmul(h, false, params[2 * l], true).add(params[2 * l + 1]);
            if (l < params.length / 2 - 1) {
                h = h.relu();
            }
        }
        return h;
    }

    /** Median milliseconds per run, after as many warm-up runs. */
    private static double time(Runnable r, int iterations) {
        for (int i = 0; i < iterations; i++) {
            r.run();
        }
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[iterations / 2];
    }

    private static double allocatedPerRun(Runnable r, int runs) {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = bean.getThreadAllocatedBytes(id);
        for (int i = 0; i < runs; i++) {
            r.run();
        }
        return (double) (bean.getThreadAllocatedBytes(id) - before) / runs;
    }
}
