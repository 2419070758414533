package org.tapegrad.examples;

import java.util.Arrays;
import java.util.Locale;

/**
 * What it costs one core to write memory that the other core read last, against memory only it has touched: the
 * price a multi-threaded training step pays wherever one thread updates what another has just read (the parameters
 * after a forward pass on two cores, a gradient buffer after another thread summed it). One thread fills an array;
 * the other reads all of it; then the first updates it in place twice: the first pass writes lines the other core
 * holds, the second lines only it holds. Prints the median of each over many rounds, for a few array sizes (the
 * MLP's parameters are 1.34 MB in float32; half of them, 0.67 MB, is what each of two threads updates).
 *
 * <p>Run: {@code java -cp tapegrad-examples.jar org.tapegrad.examples.CoreHandoff [rounds]}
 */
public final class CoreHandoff {
    private static volatile int turn;

    private CoreHandoff() {
    }

    public static void main(String[] args) throws InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        for (int bytes : new int[] {256 << 10, 670_000, 1_340_000}) {
            measure(bytes / 4, rounds);
        }
    }

    private static void measure(int n, int rounds) throws InterruptedException {
        float[] data = new float[n];
        long[] shared = new long[rounds];
        long[] own = new long[rounds];
        float[] sink = new float[1];
        turn = 0;
        Thread reader = new Thread(() -> {
            for (int r = 0; r < rounds; r++) {
                while (turn != 1) {
                    Thread.onSpinWait();
                }
                sink[0] += sum(data);
                turn = 2;
            }
        }, "core-handoff-reader");
        reader.start();
        for (int r = 0; r < rounds; r++) {
            Arrays.fill(data, r);
            turn = 1;
            while (turn != 2) {
                Thread.onSpinWait(); // the other core has now read every line
            }
            long t0 = System.nanoTime();
            update(data);
            long t1 = System.nanoTime();
            update(data);
            long t2 = System.nanoTime();
            shared[r] = t1 - t0;
            own[r] = t2 - t1;
        }
        reader.join();
        Arrays.sort(shared);
        Arrays.sort(own);
        double mb = 4.0 * n / 1e6;
        double lines = 4.0 * n / 64;
        double a = shared[rounds / 2];
        double b = own[rounds / 2];
        System.out.printf(Locale.ROOT, "%.2f MB updated in place: lines the other core read last %.1f us (%.1f ns a "
                + "line, %.1f GB/s), lines only this core touched %.1f us (%.1f GB/s): %.0fx%s%n", mb, a / 1e3,
                a / lines, mb * 1e6 / a, b / 1e3, mb * 1e6 / b, a / b, sink[0] == 1 ? " " : "");
    }

    /** A read-modify-write pass, vectorised by C2, as an optimizer's update is. */
    private static void update(float[] d) {
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i] * 0.5f + 1;
        }
    }

    /** Reads every element, with eight independent sums so that the loop is not bound by one addition chain. */
    private static float sum(float[] d) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (int i = 0; i + 8 <= d.length; i += 8) {
            a0 += d[i];
            a1 += d[i + 1];
            a2 += d[i + 2];
            a3 += d[i + 3];
            a4 += d[i + 4];
            a5 += d[i + 5];
            a6 += d[i + 6];
            a7 += d[i + 7];
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    }
}
