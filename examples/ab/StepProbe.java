package org.tapegrad.examples;

import java.util.Random;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;
import org.tapegrad.nn.Layer;
import org.tapegrad.optim.Adam;
import org.tapegrad.optim.Optimizer;

/**
 * The step that examples/ab/ab.sh times: a bench model (mlp, cnn with SGD-momentum; lstm, gru, rnn with Adam) on
 * one random batch of 128, in a Workspace step.
 */
public class StepProbe {
    private static Runnable step;
    private static Runnable forward;

    public static void setup(String model) {
        Random rng = new Random(1);
        Layer m = switch (model) {
            case "mlp" -> MnistTrain.mlp(rng);
            case "cnn" -> MnistTrain.cnn(rng);
            default -> new SeqMnist.SeqClassifier(model, 128, 1, rng);
        };
        Optimizer<?> opt = model.equals("mlp") || model.equals("cnn")
                ? MnistTrain.optimizer("sgd", m.parameters(), 0.01)
                : new Adam(m.parameters(), Adam.Options.of(3e-3));
        Tensor x = Tensor.rand(rng, 128, 784);
        int[] labels = new int[128];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(10);
        }
        Workspace workspace = new Workspace();
        m.train();
        step = () -> {
            try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                tape.backward(Losses.crossEntropy(m.call(x), labels));
            }
            opt.step();
            opt.zeroGrad(false);
        };
        forward = () -> {
            try (Scope reuse = workspace.enter(); Tape tape = Tape.record()) {
                Losses.crossEntropy(m.call(x), labels);
            }
        };
    }

    /** Milliseconds per run over {@code runs} training steps (or recorded forward passes). */
    public static double run(int runs, boolean forwardOnly) {
        Runnable r = forwardOnly ? forward : step;
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1e6 / runs;
    }
}
