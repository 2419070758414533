package org.tapegrad.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Three interleaved spirals (300 points in the plane), classified by a 2-64-64-3 ReLU network trained with plain
 * minibatch SGD written against the core API: a real problem that a linear model cannot solve (about 33%).
 */
final class Spirals {
    private Spirals() {
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("epochs", "lr", "seed", "batch-size"));
        if (o.help) {
            System.out.println("""
                    Usage: spirals [--epochs 400] [--lr 0.2] [--batch-size 32] [--seed 1]
                    Trains a 2-64-64-3 ReLU network on three spirals with minibatch SGD and prints loss and accuracy.""");
            return;
        }
        int epochs = o.integer("epochs", 400, 1);
        double lr = o.real("lr", 0.2);
        int batch = o.integer("batch-size", 32, 1);
        Random rng = new Random(o.integer("seed", 1, 0));

        int perClass = 100;
        int n = 3 * perClass;
        float[] points = new float[2 * n];
        int[] labels = new int[n];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < perClass; i++) {
                double r = (double) i / perClass;
                double angle = c * 4 + 4 * r + rng.nextGaussian() * 0.2;
                int k = c * perClass + i;
                points[2 * k] = (float) (r * Math.sin(angle));
                points[2 * k + 1] = (float) (r * Math.cos(angle));
                labels[k] = c;
            }
        }
        Tensor x = Tensor.of(points, n, 2);

        // Weights in PyTorch's [out, in] layout, He-initialised; products are x·Wᵀ.
        List<Tensor> params = new ArrayList<>();
        Tensor w1 = param(params, Tensor.randn(rng, 64, 2).mul(Math.sqrt(2.0 / 2)));
        Tensor b1 = param(params, Tensor.zeros(64));
        Tensor w2 = param(params, Tensor.randn(rng, 64, 64).mul(Math.sqrt(2.0 / 64)));
        Tensor b2 = param(params, Tensor.zeros(64));
        Tensor w3 = param(params, Tensor.randn(rng, 3, 64).mul(Math.sqrt(2.0 / 64)));
        Tensor b3 = param(params, Tensor.zeros(3));

        long start = System.nanoTime();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            int[] order = permutation(n, rng);
            double lossSum = 0;
            for (int from = 0; from < n; from += batch) {
                int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + batch));
                int[] y = new int[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    y[i] = labels[idx[i]];
                }
                try (Tape tape = Tape.record()) {
                    Tensor logits = forward(x.indexSelect(idx), w1, b1, w2, b2, w3, b3);
                    Tensor loss = Losses.crossEntropy(logits, y);
                    tape.backward(loss);
                    lossSum += loss.item() * idx.length;
                }
                for (Tensor p : params) { // SGD: p -= lr·grad, then clear the gradient
                    p.addInPlace(p.grad(), -lr);
                    p.zeroGrad();
                }
            }
            if (epoch == 1 || epoch % 50 == 0 || epoch == epochs) {
                int[] predicted = forward(x, w1, b1, w2, b2, w3, b3).argmax(1).toIntArray();
                int correct = 0;
                for (int i = 0; i < n; i++) {
                    correct += predicted[i] == labels[i] ? 1 : 0;
                }
                System.out.printf("epoch %4d  loss %s  accuracy %5.1f%%%n", epoch, Fmt.num(lossSum / n, 4), 100.0 * correct / n);
            }
        }
        System.out.printf("trained %d parameters in %.2f s%n", params.stream().mapToInt(Tensor::numel).sum(),
                (System.nanoTime() - start) / 1e9);
    }

    private static Tensor param(List<Tensor> params, Tensor t) {
        params.add(t.requiresGrad(true));
        return t;
    }

    private static Tensor forward(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2, Tensor w3, Tensor b3) {
        Tensor h = Tensor.matmul(x, false, w1, true).add(b1).relu();
        h = Tensor.matmul(h, false, w2, true).add(b2).relu();
        return Tensor.matmul(h, false, w3, true).add(b3);
    }

    private static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
