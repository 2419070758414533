package org.tapegrad.monitor;

import java.util.Random;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Init;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.Sigmoid;

/** Small networks and a plain SGD step for the monitor tests (nn does not depend on optim). */
final class MonitorFixtures {
    private MonitorFixtures() {
    }

    /** 3-4-1 ReLU network: layers "0" (Linear), "1" (Relu), "2" (Linear). */
    static Sequential small(long seed) {
        Random rng = new Random(seed);
        return new Sequential(new Linear(3, 4, rng), new Relu(), new Linear(4, 1, rng));
    }

    /**
     * {@code depth} hidden layers of {@code width} with sigmoid or ReLU activations, 8 inputs, 1 output; each with the
     * initialisation designed for it (Glorot for sigmoid, He for ReLU) and zero biases.
     */
    static Sequential deep(int depth, int width, boolean sigmoid, long seed) {
        Random rng = new Random(seed);
        Sequential s = new Sequential();
        int in = 8;
        for (int i = 0; i <= depth; i++) {
            Linear l = new Linear(in, i == depth ? 1 : width, rng);
            try (Scope scope = Tape.noGrad()) {
                if (sigmoid) {
                    Init.xavierUniform(l.weight(), rng);
                } else {
                    Init.kaimingUniform(l.weight(), rng);
                }
                Init.zeros(l.bias());
            }
            s.add(l);
            if (i < depth) {
                s.add(sigmoid ? new Sigmoid() : new Relu());
            }
            in = width;
        }
        return s;
    }

    /** Forward and backward of the mean squared error; returns the loss (the graph is released). */
    static double forwardBackward(Layer model, Tensor x, Tensor y) {
        try (Tape tape = Tape.record()) {
            Tensor loss = Losses.mse(model.call(x), y);
            tape.backward(loss);
            return loss.item();
        }
    }

    /** p −= lr · grad for every parameter with a gradient. */
    static void sgd(Layer model, double lr) {
        try (Scope s = Tape.noGrad()) {
            for (Tensor p : model.parameters()) {
                if (p.grad() != null) {
                    p.addInPlace(p.grad(), -lr);
                }
            }
        }
    }

    /** One monitored training step: backward, beforeStep, SGD, afterStep, zeroGrad. */
    static double step(Layer model, GradientMonitor monitor, Tensor x, Tensor y, double lr) {
        double loss = forwardBackward(model, x, y);
        monitor.beforeStep();
        sgd(model, lr);
        monitor.afterStep(loss);
        model.zeroGrad();
        return loss;
    }

    /** y = sum of the inputs' sines, a smooth regression target for x [n, in]. */
    static Tensor[] regression(int n, int in, long seed) {
        Tensor x = Tensor.randn(new Random(seed), n, in);
        Tensor y = x.sum(1, true).mul(0.5).tanh();
        return new Tensor[] {x, y};
    }
}
