/* The step that examples/ab/ab.sh times: the bench models (batch 128, random data) in a Workspace step. */
package org.tapegrad.examples;
import java.util.*;
import org.tapegrad.core.*;
import org.tapegrad.nn.*;
import org.tapegrad.optim.*;
public class StepProbe {
    static Runnable step, fwd;
    public static void setup(String model) {
        Random rng = new Random(1);
        Layer m = switch (model) {
            case "mlp" -> MnistTrain.mlp(rng);
            case "cnn" -> MnistTrain.cnn(rng);
            default -> new SeqMnist.SeqClassifier(model, 128, 1, rng);
        };
        Optimizer<?> opt = model.equals("mlp") || model.equals("cnn")
                ? MnistTrain.optimizer("sgd", m.parameters(), 0.01) : new Adam(m.parameters(), Adam.Options.of(3e-3));
        Tensor x = Tensor.rand(rng, 128, 784);
        int[] labels = new int[128];
        for (int i = 0; i < 128; i++) labels[i] = rng.nextInt(10);
        Workspace ws = new Workspace();
        m.train();
        step = () -> {
            try (Scope r = ws.enter(); Tape tape = Tape.record()) {
                tape.backward(Losses.crossEntropy(m.call(x), labels));
            }
            opt.step();
            opt.zeroGrad(false);
        };
        fwd = () -> {
            try (Scope r = ws.enter(); Tape tape = Tape.record()) {
                Losses.crossEntropy(m.call(x), labels);
            }
        };
    }
    /** ms per run of `steps` training steps (or forward passes). */
    public static double run(int steps, boolean forwardOnly) {
        Runnable r = forwardOnly ? fwd : step;
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) r.run();
        return (System.nanoTime() - t0) / 1e6 / steps;
    }
}
