package org.tapegrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;

/** Regression and multi-label training through TensorDataset(x, y) and the DataLoader, as a user writes it. */
class TensorTargetsTrainingTest {

    /** Plain SGD epochs over the loader; returns the mean loss of the last epoch. */
    private static double train(Layer model, DataLoader loader, int epochs, double lr,
            BiFunction<Tensor, Tensor, Tensor> loss) {
        double last = Double.NaN;
        for (int e = 0; e < epochs; e++) {
            RunningMean mean = new RunningMean();
            for (Batch b : loader) {
                try (Tape tape = Tape.record()) {
                    Tensor l = loss.apply(model.call(b.inputs()), b.targets());
                    tape.backward(l);
                    mean.add(l.item(), b.size());
                }
                try (Scope s = Tape.noGrad()) {
                    for (Tensor p : model.parameters()) {
                        p.addInPlace(p.grad(), -lr);
                    }
                }
                model.zeroGrad();
            }
            last = mean.mean();
        }
        return last;
    }

    @Test
    void aLinearRegressionFitsItsTargets() {
        Random rng = new Random(1);
        Tensor x = Tensor.randn(rng, 256, 3);
        Tensor w = Tensor.of(new float[] {1.5f, -2f, 0.5f, 0.25f, 1f, -1f}, 3, 2);
        Tensor y = x.matmul(w).add(0.3);                        // [256, 2] exact linear targets
        Layer model = new Linear(3, 2, new Random(2));
        try (DataLoader loader = new DataLoader(new TensorDataset(x, y), 32, true, 4, false, 2)) {
            double first = train(model, loader, 1, 0.05, Losses::mse);
            double last = train(model, loader, 60, 0.05, Losses::mse);
            assertTrue(last < 1e-4 * first && last < 1e-4, "mse from " + first + " to " + last);
        }
    }

    @Test
    void multiLabelTargetsAreLearnedWithBinaryCrossEntropy() {
        Random rng = new Random(3);
        int n = 512;
        Tensor x = Tensor.randn(rng, n, 4);
        float[] v = x.toFloatArray();
        float[] t = new float[n * 3];
        for (int i = 0; i < n; i++) {                           // three labels per example, any subset of them
            t[3 * i] = v[4 * i] > 0 ? 1 : 0;
            t[3 * i + 1] = v[4 * i + 1] + v[4 * i + 2] > 0 ? 1 : 0;
            t[3 * i + 2] = v[4 * i + 3] < -0.5 ? 1 : 0;
        }
        Tensor targets = Tensor.of(t, n, 3);
        Layer model = new Sequential(new Linear(4, 16, new Random(4)), new Relu(), new Linear(16, 3, new Random(5)));
        try (DataLoader loader = new DataLoader(new TensorDataset(x, targets), 64, true, 6, false, 0)) {
            train(model, loader, 80, 0.5, Losses::binaryCrossEntropyWithLogits);
        }
        model.eval();
        float[] logits;
        try (Scope s = Tape.noGrad()) {
            logits = model.call(x).toFloatArray();
        }
        int correct = 0;
        for (int i = 0; i < t.length; i++) {
            correct += (logits[i] > 0 ? 1 : 0) == t[i] ? 1 : 0;
        }
        assertTrue(correct > 0.95 * t.length, correct + " of " + t.length + " labels right");
    }
}
