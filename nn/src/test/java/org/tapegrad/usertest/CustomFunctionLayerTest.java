package org.tapegrad.usertest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.CustomFunction;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.train.DataParallel;

/** A layer built on a user's custom function, trained on several threads by DataParallel. */
class CustomFunctionLayerTest {

    /** softplus(x) = log(1 + e^x), computed over arrays; backward g·σ(x). One object serves every thread. */
    static final class Softplus extends CustomFunction {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            double[] x = in[0].toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.max(x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])));
            }
            return Tensor.of(in[0].dtype(), x, in[0].shape());
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g.mul(ctx.saved(0).sigmoid())};
        }
    }

    static final class SoftplusLayer extends Layer {
        private final Softplus softplus = new Softplus();

        @Override
        public Tensor forward(Tensor input) {
            return softplus.apply(input);
        }
    }

    private static Layer model() {
        Random rng = new Random(21);
        return new Sequential(new Linear(5, 8, true, rng, DType.FLOAT64), new SoftplusLayer(),
                new Linear(8, 3, true, rng, DType.FLOAT64));
    }

    private static double[][] gradients(Layer model) {
        List<Tensor> p = model.parameters();
        double[][] g = new double[p.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = p.get(i).grad().toDoubleArray();
        }
        return g;
    }

    @Test
    void dataParallelGradientsAreThoseOfOneBackward() {
        Random rng = new Random(22);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 37, 5);
        int[] labels = new int[37];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(3);
        }
        Layer model = model();
        double expectedLoss;
        try (Tape tape = Tape.record()) {
            Tensor loss = Losses.crossEntropy(model.call(x), labels);
            tape.backward(loss);
            expectedLoss = loss.item();
        }
        double[][] expected = gradients(model);
        assertTrue(expected[0].length > 0 && java.util.Arrays.stream(expected[0]).anyMatch(v -> v != 0));
        for (int threads = 1; threads <= 3; threads++) {
            try (DataParallel parallel = new DataParallel(model, threads)) {
                for (int pass = 0; pass < 2; pass++) {
                    model.zeroGrad();
                    assertEquals(expectedLoss, parallel.backward(x, labels, Losses::crossEntropy), 1e-13);
                    double[][] got = gradients(model);
                    for (int i = 0; i < got.length; i++) {
                        assertArrayEquals(expected[i], got[i], 1e-13, threads + " threads, parameter " + i);
                    }
                }
            }
        }
    }
}
