package org.tapegrad.examples;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Gelu;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.Tanh;

/**
 * {@code gradcheck}: builds a named model in float64 and compares, parameter by parameter, the backprop gradient
 * with central finite differences on sampled entries, printing the worst relative error of each parameter.
 */
final class GradcheckDemo {
    private GradcheckDemo() {
    }

    static void main(String[] args) throws Exception {
        Options o = new Options(args, Set.of("model", "samples", "seed"));
        if (o.help) {
            System.out.println("""
                    Usage: gradcheck [--model mlp|small] [--samples 8] [--seed 1]
                      mlp    the 784-256-256-256-10 ReLU network, on a batch of 32 MNIST images
                      small  a 12-16-16-4 network with tanh and GELU, on random data
                    Compares backprop with finite differences (float64) on sampled entries of every parameter.""");
            return;
        }
        String name = o.text("model", "mlp");
        int samples = o.integer("samples", 8, 1);
        Random rng = new Random(o.integer("seed", 1, 0));
        Layer model;
        Tensor x;
        int[] labels;
        switch (name) {
            case "mlp" -> {
                model = new Sequential(new Linear(784, 256, true, rng, DType.FLOAT64), new Relu(),
                        new Linear(256, 256, true, rng, DType.FLOAT64), new Relu(),
                        new Linear(256, 256, true, rng, DType.FLOAT64), new Relu(),
                        new Linear(256, 10, true, rng, DType.FLOAT64));
                int[] idx = new int[32];
                Arrays.setAll(idx, i -> i);
                MnistData data = MnistData.embedded();
                x = data.train().batch(idx).inputs().to(DType.FLOAT64);
                labels = data.train().batch(idx).labels();
            }
            case "small" -> {
                model = new Sequential(new Linear(12, 16, true, rng, DType.FLOAT64), new Tanh(),
                        new Linear(16, 16, true, rng, DType.FLOAT64), new Gelu(),
                        new Linear(16, 4, true, rng, DType.FLOAT64));
                x = Tensor.randn(DType.FLOAT64, rng, 8, 12);
                labels = rng.ints(8, 0, 4).toArray();
            }
            default -> throw new IllegalArgumentException("--model: unknown model '" + name + "' (mlp, small)");
        }
        Map<String, Tensor> params = model.namedParameters();
        Tensor[] grads;
        try (Tape tape = Tape.record()) {
            grads = Autograd.grad(Losses.crossEntropy(model.call(x), labels), params.values().toArray(new Tensor[0]));
        }
        System.out.printf("Gradient check of '%s' (%,d parameters, float64): backprop vs central differences "
                + "(eps 1e-6) on %d sampled entries per parameter%n", name, model.numParameters(), samples);
        System.out.printf("%-12s %-12s %14s %14s %14s%n", "parameter", "shape", "worst rel err", "at backprop", "at numeric");
        double eps = 1e-6;
        double overall = 0;
        int k = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            double[] g = grads[k++].toDoubleArray();
            double[] data = p.float64Matrix().data;
            double worst = 0;
            double worstA = 0;
            double worstN = 0;
            for (int s = 0; s < Math.min(samples, p.numel()); s++) {
                int i = p.numel() <= samples ? s : rng.nextInt(p.numel());
                double saved = data[i];
                data[i] = saved + eps;
                double plus = Losses.crossEntropy(model.call(x), labels).item();
                data[i] = saved - eps;
                double minus = Losses.crossEntropy(model.call(x), labels).item();
                data[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double rel = Math.abs(g[i] - numeric) / Math.max(1e-8, Math.max(Math.abs(g[i]), Math.abs(numeric)));
                if (rel >= worst) {
                    worst = rel;
                    worstA = g[i];
                    worstN = numeric;
                }
            }
            overall = Math.max(overall, worst);
            System.out.printf("%-12s %-12s %14.2e %14.6e %14.6e%n", e.getKey(), Arrays.toString(p.shape()), worst,
                    worstA, worstN);
        }
        System.out.printf("worst relative error over all parameters: %.2e (%s)%n", overall,
                overall < 1e-4 ? "gradients agree" : "CHECK: larger than 1e-4");
    }
}
