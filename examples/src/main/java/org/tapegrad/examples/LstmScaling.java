package org.tapegrad.examples;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Lstm;

/**
 * Backward time and memory of an LSTM against the sequence length: with views, the gradients of the T time-step
 * slices of the input projection (and of the four gates of each step) add into one buffer each, so both grow
 * linearly in T. Prints, per length, the median backward time and the bytes the backward pass allocated on this
 * thread (ThreadMXBean), and both per step.
 */
final class LstmScaling {
    private LstmScaling() {
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("batch-size", "hidden", "input", "steps", "repeats"));
        if (o.help) {
            System.out.println("""
                    Usage: lstm-scaling [--batch-size 32] [--hidden 128] [--input 28] [--steps 28,112,448] [--repeats 5]
                    Forward and backward of a one-layer float32 LSTM (input requiring grad, as an embedding's output
                    would) over sequences of each length; prints the median backward time and the bytes allocated
                    by the backward pass, in total and per time step.""");
            return;
        }
        int batch = o.integer("batch-size", 32, 1);
        int hidden = o.integer("hidden", 128, 1);
        int input = o.integer("input", 28, 1);
        int repeats = o.integer("repeats", 5, 1);
        List<Integer> lengths = new ArrayList<>();
        for (String s : o.text("steps", "28,112,448").split(",")) {
            try {
                int t = Integer.parseInt(s.trim());
                if (t < 1) {
                    throw new IllegalArgumentException("--steps: lengths must be at least 1, got " + t);
                }
                lengths.add(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--steps expects comma-separated integers, got '" + s + "'");
            }
        }
        com.sun.management.ThreadMXBean bean = allocationBean();
        Lstm lstm = new Lstm(input, hidden, new Random(1));
        System.out.printf("LSTM input %d, hidden %d, batch %d, float32; backward of sum(output)%n", input, hidden, batch);
        System.out.printf("%8s %14s %14s %18s %16s%n", "steps", "backward ms", "ms per step", "backward bytes",
                "bytes per step");
        for (int t : lengths) {
            Tensor x = Tensor.randn(new Random(2), batch, t, input);
            double[] ms = new double[repeats];
            long bytes = 0;
            for (int r = -1; r < repeats; r++) { // r = -1 warms up
                Tensor in = x.detach().requiresGrad(true);
                try (Tape tape = Tape.record()) {
                    Tensor loss = lstm.forward(in).sum();
                    long b0 = bean.getThreadAllocatedBytes(Thread.currentThread().getId());
                    long t0 = System.nanoTime();
                    tape.backward(loss);
                    long t1 = System.nanoTime();
                    long b1 = bean.getThreadAllocatedBytes(Thread.currentThread().getId());
                    if (r >= 0) {
                        ms[r] = (t1 - t0) / 1e6;
                        bytes = b1 - b0;
                    }
                }
                lstm.zeroGrad();
            }
            java.util.Arrays.sort(ms);
            double median = ms[repeats / 2];
            System.out.printf("%8d %14.1f %14.3f %,18d %,16d%n", t, median, median / t, bytes, bytes / t);
        }
    }

    private static com.sun.management.ThreadMXBean allocationBean() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean sun
                && sun.isThreadAllocatedMemorySupported()) {
            return sun;
        }
        throw new IllegalStateException("lstm-scaling: this JVM cannot count allocated bytes per thread");
    }
}
