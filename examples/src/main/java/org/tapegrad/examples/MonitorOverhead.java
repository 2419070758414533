package org.tapegrad.examples;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.monitor.GradientMonitor;
import org.tapegrad.nn.Layer;
import org.tapegrad.optim.Optimizer;
import org.tapegrad.optim.Sgd;

/**
 * Cost of the gradient monitor on the {@code mnist} model (784-256-256-256-10, batch 128, SGD with momentum, random
 * data): training steps without a monitor and with one sampling every step, every 10th and every 100th step,
 * interleaved in rounds (in a rotating order) so that a slow phase of the machine hits every configuration alike.
 * Reports the median step time, the median over rounds of the mean step time (what a run pays on average, sampled
 * steps included), the overhead of each against no monitor, and the paired overhead: per round, the configuration's
 * median step over the median step without monitor in the same round, the median of that over rounds (and the same
 * as a difference in ms). On a shared machine whose load changes from round to round, the paired figures are the
 * ones to trust; the system load average before and after the run is printed with them.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp tapegrad-examples.jar
 * org.tapegrad.examples.MonitorOverhead [rounds] [steps per round]} (without the module, the GEMM and the monitor run
 * their portable loops).
 */
public final class MonitorOverhead {
    private static final int[] EVERY = {0, 100, 10, 1}; // 0: no monitor

    private MonitorOverhead() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Random rng = new Random(1);
        Layer model = MnistTrain.mlp(rng);
        Optimizer<?> optimizer = new Sgd(model.parameters(), Sgd.Options.of(0.01).withMomentum(0.9));
        Tensor x = Tensor.rand(rng, 128, 784);
        int[] labels = new int[128];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(10);
        }
        List<List<Double>> stepTimes = new ArrayList<>();
        List<List<Double>> roundMeans = new ArrayList<>();
        List<List<Double>> pairedRatios = new ArrayList<>();
        for (int c = 0; c < EVERY.length; c++) {
            stepTimes.add(new ArrayList<>());
            roundMeans.add(new ArrayList<>());
            pairedRatios.add(new ArrayList<>());
            time(model, optimizer, x, labels, EVERY[c], steps); // warm-up
        }
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        List<List<Double>> pairedDifferences = new ArrayList<>();
        for (int c = 0; c < EVERY.length; c++) {
            pairedDifferences.add(new ArrayList<>());
        }
        double[] roundMedians = new double[EVERY.length];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < EVERY.length; k++) {
                int c = (k + r) % EVERY.length; // rotate: no configuration always runs first or after the same one
                double[] t = time(model, optimizer, x, labels, EVERY[c], steps);
                List<Double> round = new ArrayList<>();
                for (double v : t) {
                    stepTimes.get(c).add(v);
                    round.add(v);
                }
                roundMeans.get(c).add(Arrays.stream(t).average().orElse(Double.NaN));
                roundMedians[c] = median(round);
            }
            for (int c = 0; c < EVERY.length; c++) {
                pairedRatios.get(c).add(roundMedians[c] / roundMedians[0]);
                pairedDifferences.get(c).add(roundMedians[c] - roundMedians[0]);
            }
        }
        System.out.printf(Locale.ROOT, "Gradient monitor overhead: 784-256-256-256-10 MLP, batch 128, SGD momentum, "
                + "%d rounds x %d steps per configuration, interleaved; %d processors, load average %.2f before, "
                + "%.2f after%n",
                rounds, steps, Runtime.getRuntime().availableProcessors(), loadBefore,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("%-12s %12s %9s %14s %9s %9s %9s%n", "monitor", "median step", "overhead", "mean (median",
                "overhead", "paired", "paired");
        System.out.printf("%-12s %12s %9s %14s %9s %9s %9s%n", "", "ms", "", "of rounds) ms", "", "overhead", "+ms");
        double base = median(stepTimes.get(0));
        double baseMean = median(roundMeans.get(0));
        for (int c = 0; c < EVERY.length; c++) {
            double m = median(stepTimes.get(c));
            double mean = median(roundMeans.get(c));
            System.out.printf(Locale.ROOT, "%-12s %12.3f %8.1f%% %14.3f %8.1f%% %8.1f%% %9.3f%n",
                    EVERY[c] == 0 ? "none" : "every " + EVERY[c], m, 100 * (m / base - 1), mean,
                    100 * (mean / baseMean - 1), 100 * (median(pairedRatios.get(c)) - 1),
                    median(pairedDifferences.get(c)));
        }
    }

    /** Times {@code steps} training steps (ms each), under a monitor sampling every {@code every} steps (0: none). */
    private static double[] time(Layer model, Optimizer<?> optimizer, Tensor x, int[] labels, int every, int steps) {
        GradientMonitor monitor = every == 0 ? null : GradientMonitor.attach(model, every);
        double[] ms = new double[steps];
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            double loss;
            try (Tape tape = Tape.record()) {
                Tensor l = Losses.crossEntropy(model.call(x), labels);
                tape.backward(l);
                loss = l.item();
            }
            if (monitor != null) {
                monitor.beforeStep();
            }
            optimizer.step();
            if (monitor != null) {
                monitor.afterStep(loss);
            }
            optimizer.zeroGrad();
            ms[s] = (System.nanoTime() - t0) / 1e6;
        }
        if (monitor != null) {
            monitor.close();
        }
        return ms;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
