package org.tapegrad.examples;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Losses;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.train.DataParallel;

/**
 * {@code bench --model cnn}: times the {@code mnist --model cnn} network on random data, inference forward,
 * forward + backward, and a full SGD step; reports medians and samples/s, and the matrix-product GFLOP/s of the
 * step (the convolutions' and linear layers' products, which dominate). Each line also gives the process CPU time
 * per run (all threads, JIT and GC included), which a busy shared machine inflates far less than wall time; the
 * libtorch twin, {@code examples/libtorch-bench/run.sh cnn}, prints the same figures.
 */
final class CnnBench {
    private CnnBench() {
    }

    /** True when the arguments ask for {@code --model cnn}. */
    static boolean requested(String[] args) {
        int i = Arrays.asList(args).indexOf("--model");
        return i >= 0 && i + 1 < args.length && args[i + 1].equals("cnn");
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("model", "batch-size", "iterations", "threads", "parallel"));
        if (o.help) {
            System.out.println("""
                    Usage: bench --model cnn [--batch-size 128] [--iterations 20] [--threads 1]
                                 [--parallel batch|products]
                    Times forward, backward and a full SGD step of the mnist CNN on random data (float32), each in a
                    Workspace step, and the bytes each allocates (this thread, steady state). With --threads N > 1,
                    --parallel batch (the default) cuts the batch into one slice per thread (DataParallel: every op
                    of the step runs on all cores), --parallel products cuts each matrix product instead.""");
            return;
        }
        int threads = o.integer("threads", 1, 1);
        String split = o.text("parallel", "batch");
        if (!split.equals("batch") && !split.equals("products")) {
            throw new IllegalArgumentException("--parallel: expected batch or products, got " + split);
        }
        if (threads > 1 && split.equals("products")) {
            Matmul.use(Matmul.best(threads)); // as mnist and bench do: the Vector API kernel when available
        }
        int batch = o.integer("batch-size", 128, 1);
        int iterations = o.integer("iterations", 20, 3);
        Random rng = new Random(1);
        Layer model = MnistTrain.cnn(rng);
        List<Tensor> params = model.parameters();
        Tensor x = Tensor.rand(rng, batch, 784);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rng.nextInt(10);
        }
        // Multiply-adds per example: conv1 24·24·16·25, conv2 8·8·32·400, linear 512·128 + 128·10.
        double forwardFlops = 2.0 * batch * (24 * 24 * 16 * 25 + 8 * 8 * 32 * 400 + 512 * 128 + 128 * 10);
        // Backward: weight gradients of every layer, input gradients of all but the first convolution.
        double backwardFlops = 2 * forwardFlops - 2.0 * batch * 24 * 24 * 16 * 25;
        Workspace workspace = new Workspace();
        DataParallel parallel = threads > 1 && split.equals("batch") ? new DataParallel(model, threads) : null;
        Runnable inference = () -> {
            model.eval();
            if (parallel != null) {
                parallel.forward(x);
                return;
            }
            try (Scope noGrad = Tape.noGrad(); Scope reuse = workspace.enter()) {
                model.call(x);
            }
        };
        Runnable step = () -> {
            model.train();
            if (parallel != null) {
                parallel.backward(x, labels, Losses::crossEntropy);
            } else {
                try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                    tape.backward(Losses.crossEntropy(model.call(x), labels));
                }
            }
            for (Tensor p : params) {
                p.addInPlace(p.grad(), -0.01);
            }
            if (parallel != null) {
                parallel.zeroGrad();
            } else {
                params.forEach(p -> p.zeroGrad(false));
            }
        };
        System.out.printf("mnist CNN (%,d parameters), batch %d, float32, matmul kernel: %s%s, %d iterations "
                + "(medians)%n", model.numParameters(), batch, Matmul.kernel().name(), parallel == null ? ""
                        : ", " + threads + " threads on slices of the batch (DataParallel)", iterations);
        double[] inferenceMs = time(inference, iterations);
        double[] stepMs = time(step, iterations);
        double[] forwardMs = null;
        double[] forwardBackwardMs = null;
        if (parallel == null) { // on slices of the batch the two passes run inside DataParallel, not timed apart
            model.train();
            forwardMs = time(() -> {
                try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                    Losses.crossEntropy(model.call(x), labels);
                }
            }, iterations);
            forwardBackwardMs = time(() -> {
                try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                    tape.backward(Losses.crossEntropy(model.call(x), labels));
                }
                params.forEach(p -> p.zeroGrad(false));
            }, iterations);
        }
        double tInference = inferenceMs[0];
        double tStep = stepMs[0];
        System.out.printf("  inference forward      %8.2f ms  %6.1f GFLOP/s  %8.0f samples/s  (CPU %.2f ms)  %,.0f B"
                + " allocated%n", tInference, forwardFlops / tInference / 1e6, batch / tInference * 1e3,
                inferenceMs[1], inferenceMs[2]);
        System.out.printf("  SGD step               %8.2f ms  %6.1f GFLOP/s  %8.0f samples/s  (CPU %.2f ms)  %,.0f B"
                + " allocated%n", tStep, (forwardFlops + backwardFlops) / tStep / 1e6, batch / tStep * 1e3, stepMs[1],
                stepMs[2]);
        if (forwardMs != null) {
            System.out.printf("  forward (recorded)     %8.2f ms  (CPU %.2f ms)  %,.0f B allocated%n", forwardMs[0],
                    forwardMs[1], forwardMs[2]);
            System.out.printf("  forward + backward     %8.2f ms  (CPU %.2f ms)  %,.0f B allocated  backward/forward "
                    + "%.2f%n", forwardBackwardMs[0], forwardBackwardMs[1], forwardBackwardMs[2],
                    (forwardBackwardMs[0] - forwardMs[0]) / forwardMs[0]);
        }
        if (parallel != null) {
            parallel.close();
        }
    }

    /**
     * After as many warm-up runs, {median wall milliseconds per run, mean process CPU milliseconds per run, mean
     * bytes allocated by this thread per run} over {@code iterations} timed runs.
     */
    static double[] time(Runnable r, int iterations) {
        for (int i = 0; i < iterations; i++) {
            r.run();
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] ms = new double[iterations];
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocated0 = threads.getCurrentThreadAllocatedBytes();
        long cpu0 = os.getProcessCpuTime();
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / iterations;
        double bytes = (double) (threads.getCurrentThreadAllocatedBytes() - allocated0) / iterations;
        Arrays.sort(ms);
        return new double[] {ms[iterations / 2], cpuMs, bytes};
    }
}
