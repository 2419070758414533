package org.tapegrad.examples;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Why backpropagation: on the 784-256-256-256-10 network (335,114 parameters) one backward pass costs about as
 * much as a forward pass or two, while finite differences need two forward passes per parameter. Times both on a
 * batch of MNIST and extrapolates finite differences to every parameter.
 */
final class BackpropCost {
    private static final int[] WIDTHS = {784, 256, 256, 256, 10};

    private BackpropCost() {
    }

    static void main(String[] args) throws Exception {
        Options o = new Options(args, Set.of("samples", "batch-size"));
        if (o.help) {
            System.out.println("""
                    Usage: backprop-cost [--samples 40] [--batch-size 128]
                    Times forward, backward and finite differences on the 335,114-parameter MLP (float64).""");
            return;
        }
        int samples = o.integer("samples", 40, 1);
        int batch = o.integer("batch-size", 128, 1);
        MnistData data = MnistData.embedded();
        if (batch > data.train().size()) {
            throw new IllegalArgumentException("--batch-size " + batch + " is larger than the "
                    + data.train().size() + " training examples of " + data.name());
        }
        int[] idx = new int[batch];
        Arrays.setAll(idx, i -> i);
        Tensor x = data.train().batch(idx).inputs().to(DType.FLOAT64);
        int[] labels = data.train().batch(idx).labels();

        Random rng = new Random(1);
        Tensor[] params = new Tensor[8];
        long count = 0;
        for (int l = 0; l < 4; l++) {
            double bound = 1 / Math.sqrt(WIDTHS[l]);
            params[2 * l] = Tensor.rand(DType.FLOAT64, rng, WIDTHS[l + 1], WIDTHS[l]).mul(2 * bound).sub(bound)
                    .requiresGrad(true);
            params[2 * l + 1] = Tensor.rand(DType.FLOAT64, rng, WIDTHS[l + 1]).mul(2 * bound).sub(bound)
                    .requiresGrad(true);
            count += params[2 * l].numel() + params[2 * l + 1].numel();
        }
        System.out.printf("Network 784-256-256-256-10 (%,d parameters), batch %d of MNIST, float64%n", count, batch);

        double forward = median(() -> loss(x, labels, params), 15);
        double forwardBackward = median(() -> {
            try (Tape tape = Tape.record()) {
                Autograd.grad(loss(x, labels, params), params);
            }
        }, 15);
        double backward = forwardBackward - forward;
        Tensor[] grads;
        try (Tape tape = Tape.record()) {
            grads = Autograd.grad(loss(x, labels, params), params);
        }

        // Finite differences for a random sample of parameters: two forward passes each.
        double eps = 1e-6;
        double worst = 0;
        long t0 = System.nanoTime();
        Random pick = new Random(2);
        for (int s = 0; s < samples; s++) {
            int p = pick.nextInt(params.length);
            int e = pick.nextInt(params[p].numel());
            double[] one = new double[params[p].numel()];
            one[e] = eps;
            Tensor delta = Tensor.of(params[p].dtype(), one, params[p].shape());
            Tensor[] plus = params.clone();
            Tensor[] minus = params.clone();
            plus[p] = params[p].detach().add(delta);
            minus[p] = params[p].detach().sub(delta);
            double numeric = (loss(x, labels, plus).item() - loss(x, labels, minus).item()) / (2 * eps);
            double analytic = grads[p].toDoubleArray()[e];
            worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(1e-8, Math.abs(numeric) + Math.abs(analytic)));
        }
        double perParameter = (System.nanoTime() - t0) / 1e6 / samples;
        double allFd = perParameter * count;

        System.out.printf("  forward pass                     %10.2f ms (median of 15)%n", forward);
        System.out.printf("  backward pass (all %,d grads) %8.2f ms  = %.2f x forward%n", count, backward, backward / forward);
        System.out.printf("  finite differences, per parameter %9.2f ms (2 forward passes; %d sampled)%n", perParameter, samples);
        System.out.printf("  finite differences, all parameters %8.0f s (extrapolated) = %.1f hours%n", allFd / 1e3, allFd / 3.6e6);
        System.out.printf("  speed-up of backprop (forward + backward) over finite differences: %,.0f x%n", allFd / forwardBackward);
        System.out.printf("  largest relative difference backprop vs finite difference on the sample: %.1e%n", worst);
    }

    private static Tensor loss(Tensor x, int[] labels, Tensor[] p) {
        Tensor h = x;
        for (int l = 0; l < 4; l++) {
            h = Tensor.matmul(h, false, p[2 * l], true).add(p[2 * l + 1]);
            if (l < 3) {
                h = h.relu();
            }
        }
        return Losses.crossEntropy(h, labels);
    }

    private static double median(Runnable r, int n) {
        r.run();
        r.run();
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[n / 2];
    }
}
