package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.nn.TestTensors.mean;
import static org.tapegrad.nn.TestTensors.variance;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Init.FanMode;
import org.tapegrad.nn.Init.Nonlinearity;

/** Sample statistics of every initialiser against its formula, on samples large enough for tight tolerances. */
class InitTest {

    /** Mean within {@code meanTol} of the target and variance within {@code relTol} of it (relative). */
    private static void assertStatistics(Tensor t, double expectedMean, double expectedVar, double meanTol, double relTol) {
        double[] v = t.toDoubleArray();
        assertEquals(expectedMean, mean(v), meanTol, "mean");
        assertEquals(expectedVar, variance(v), relTol * expectedVar, "variance");
    }

    @Test
    void linearDefaultInitIsUniformOverOneOverSqrtIn() {
        Linear lin = new Linear(1000, 1000, new Random(0));
        // U(-1/√in, 1/√in): variance (2/√in)²/12 = 1/(3·in). 10⁶ samples: relative sd of the variance ~0.1%.
        assertStatistics(lin.weight(), 0, 1.0 / 3000, 1e-4, 0.01);
        double bound = 1 / Math.sqrt(1000);
        for (double w : lin.weight().toDoubleArray()) {
            assertTrue(Math.abs(w) <= bound);
        }
        // Bias: 1000 samples of the same distribution (relative sd of the variance ~3%).
        assertStatistics(lin.bias(), 0, 1.0 / 3000, 3e-3, 0.15);
        for (double b : lin.bias().toDoubleArray()) {
            assertTrue(Math.abs(b) <= bound);
        }
    }

    @Test
    void linearDefaultInitDependsOnInFeaturesOnly() {
        Linear lin = new Linear(1000, 300, new Random(1)); // not square: in and out must not be swapped
        assertStatistics(lin.weight(), 0, 1.0 / 3000, 1e-4, 0.02);
        double max = 0;
        for (double b : lin.bias().toDoubleArray()) {
            max = Math.max(max, Math.abs(b));
        }
        assertTrue(max <= 1 / Math.sqrt(1000) && max > 0.9 / Math.sqrt(1000), "bias bound 1/sqrt(in), max " + max);
        assertArrayEquals(new int[] {300, 1000}, lin.weight().shape());
    }

    @Test
    void embeddingDefaultInitIsStandardNormal() {
        assertStatistics(new Embedding(1000, 100, new Random(0)).weight(), 0, 1, 0.02, 0.03);
    }

    @Test
    void normLayersStartAsIdentity() {
        BatchNorm1d bn = new BatchNorm1d(3);
        assertArrayEquals(new double[] {1, 1, 1}, bn.weight().toDoubleArray());
        assertArrayEquals(new double[] {0, 0, 0}, bn.bias().toDoubleArray());
        assertArrayEquals(new double[] {1, 1, 1}, bn.runningVar().toDoubleArray());
        assertArrayEquals(new double[] {1, 1, 1, 1}, new LayerNorm(2, 2).weight().toDoubleArray());
    }

    @Test
    void gains() {
        assertEquals(1, Init.calculateGain(Nonlinearity.LINEAR));
        assertEquals(1, Init.calculateGain(Nonlinearity.SIGMOID));
        assertEquals(5.0 / 3, Init.calculateGain(Nonlinearity.TANH), 1e-15);
        assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.RELU), 1e-15);
        assertEquals(Math.sqrt(2 / 1.0001), Init.calculateGain(Nonlinearity.LEAKY_RELU), 1e-15); // default slope 0.01
        assertEquals(Math.sqrt(2 / 1.04), Init.calculateGain(Nonlinearity.LEAKY_RELU, 0.2), 1e-15);
    }

    @Test
    void fansAsPyTorch() {
        Tensor conv = Tensor.zeros(64, 32, 3, 3);
        assertEquals(32 * 9, Init.fanIn(conv));
        assertEquals(64 * 9, Init.fanOut(conv));
        assertEquals(784, Init.fanIn(Tensor.zeros(256, 784)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.fanIn(Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("at least 2 dimensions"), e.getMessage());
    }

    @Test
    void xavier() {
        Random rng = new Random(1);
        Tensor w = Tensor.zeros(600, 400);
        Init.xavierUniform(w, 2, rng);
        assertStatistics(w, 0, 4 * 2.0 / 1000, 1e-3, 0.01);
        Init.xavierNormal(w, rng);
        assertStatistics(w, 0, 2.0 / 1000, 1e-3, 0.01);
        Init.xavierUniform(w, rng);
        double a = Math.sqrt(6.0 / 1000);
        for (double x : w.toDoubleArray()) {
            assertTrue(Math.abs(x) <= a + 1e-7);
        }
    }

    @Test
    void kaiming() {
        Random rng = new Random(2);
        Tensor w = Tensor.zeros(600, 400);
        Init.kaimingUniform(w, rng); // relu, fan_in: 2/400
        assertStatistics(w, 0, 2.0 / 400, 1e-3, 0.01);
        Init.kaimingNormal(w, rng);
        assertStatistics(w, 0, 2.0 / 400, 1e-3, 0.01);
        Init.kaimingNormal(w, 0.2, FanMode.FAN_OUT, Nonlinearity.LEAKY_RELU, rng); // 2/(1.04·600)
        assertStatistics(w, 0, 2 / (1.04 * 600), 1e-3, 0.01);
        Tensor conv = Tensor.zeros(64, 32, 3, 3);
        Init.kaimingUniform(conv, 0, FanMode.FAN_IN, Nonlinearity.TANH, rng); // (5/3)²/288
        assertStatistics(conv, 0, 25.0 / 9 / 288, 2e-3, 0.03);
    }

    @Test
    void plainFills() {
        Random rng = new Random(3);
        Tensor t = Tensor.zeros(500, 400);
        Init.uniform(t, -1, 3, rng);
        assertStatistics(t, 1, 16.0 / 12, 0.01, 0.01);
        Init.normal(t, 2, 0.5, rng);
        assertStatistics(t, 2, 0.25, 0.005, 0.01);
        Init.constant(t, 1.5);
        assertStatistics(t, 1.5, 0, 0, 0);
        Init.ones(t);
        assertEquals(1, t.get(7, 9));
        Init.zeros(t);
        assertEquals(0, t.get(7, 9));
    }

    @Test
    void orthogonalGivesOrthonormalColumnsOrRows() {
        Random rng = new Random(4);
        Tensor tall = Init.orthogonal(Tensor.zeros(50, 30), rng);
        assertIdentity(Tensor.matmul(tall, true, tall, false), 1, 30);          // WᵀW = I
        Tensor wide = Init.orthogonal(Tensor.zeros(30, 50), 2, rng);
        assertIdentity(Tensor.matmul(wide, false, wide, true), 4, 30);          // WWᵀ = gain²·I
        Tensor conv = Init.orthogonal(Tensor.zeros(8, 2, 2, 2), rng);           // flattened to [8, 8]
        Tensor flat = conv.reshape(8, 8);
        assertIdentity(Tensor.matmul(flat, true, flat, false), 1, 8);
        // A random rotation, not a fixed one: two draws differ.
        Tensor other = Init.orthogonal(Tensor.zeros(50, 30), rng);
        assertTrue(Math.abs(other.get(0, 0) - tall.get(0, 0)) > 1e-6);
    }

    private static void assertIdentity(Tensor m, double diagonal, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(i == j ? diagonal : 0, m.get(i, j), 1e-5, "entry " + i + ", " + j);
            }
        }
    }

    @Test
    void sameSeedSameValuesAndParametersCanBeFilledWhileRecording() {
        Tensor a = Init.xavierNormal(Tensor.zeros(20, 10), new Random(9));
        Tensor b = Init.xavierNormal(Tensor.zeros(20, 10), new Random(9));
        assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
        Linear lin = new Linear(10, 20, new Random(0));
        try (Tape tape = Tape.record()) {
            Init.xavierNormal(lin.weight(), new Random(9));
        }
        assertArrayEquals(a.toFloatArray(), lin.weight().toFloatArray(), 0f);
    }
}
