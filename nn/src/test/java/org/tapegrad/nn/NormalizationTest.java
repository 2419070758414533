package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.nn.TestTensors.set;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Tensor;

class NormalizationTest {

    @Test
    void batchNormGradientMatchesFiniteDifferences() {
        Random rng = new Random(1);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 4, 3);
        Tensor gamma = Tensor.randn(DType.FLOAT64, rng, 3);
        Tensor beta = Tensor.randn(DType.FLOAT64, rng, 3);
        GradCheck.Report r = GradCheck.check(in -> BatchNorm1d.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5),
                x, gamma, beta);
        assertEquals(12 * (12 + 3 + 3), r.entries());
        // Through running statistics as well (eval mode: an affine map of x).
        Tensor mean = Tensor.randn(DType.FLOAT64, rng, 3);
        Tensor var = Tensor.rand(DType.FLOAT64, rng, 3).add(0.5);
        GradCheck.check(in -> BatchNorm1d.batchNorm(in[0], mean, var, in[1], in[2], false, 0.1, 1e-5), x, gamma, beta);
    }

    @Test
    void batchNormModuleComputesTheFormula() {
        BatchNorm1d bn = new BatchNorm1d(2);
        set(bn.weight(), 2, 3);
        set(bn.bias(), 1, -1);
        // Column 0: [1, 3] -> mean 2, biased var 1; column 1: [0, 4] -> mean 2, var 4.
        Tensor y = bn.call(Tensor.of(new float[] {1, 0, 3, 4}, 2, 2));
        double s0 = Math.sqrt(1 + 1e-5);
        double s1 = Math.sqrt(4 + 1e-5);
        assertArrayEquals(new double[] {2 * -1 / s0 + 1, 3 * -2 / s1 - 1, 2 * 1 / s0 + 1, 3 * 2 / s1 - 1},
                y.toDoubleArray(), 1e-5);
    }

    @Test
    void runningStatisticsFollowTheMomentumFormula() {
        Random rng = new Random(2);
        double momentum = 0.25;
        BatchNorm1d bn = new BatchNorm1d(3, 1e-5, momentum, true, true);
        double[] runMean = {0, 0, 0};
        double[] runVar = {1, 1, 1};
        int n = 5;
        for (int step = 0; step < 4; step++) {
            Tensor x = Tensor.randn(rng, n, 3).mul(step + 1).add(step);
            double[] v = x.toDoubleArray();
            for (int c = 0; c < 3; c++) {
                double m = 0;
                for (int i = 0; i < n; i++) {
                    m += v[i * 3 + c];
                }
                m /= n;
                double ss = 0;
                for (int i = 0; i < n; i++) {
                    ss += (v[i * 3 + c] - m) * (v[i * 3 + c] - m);
                }
                runMean[c] = (1 - momentum) * runMean[c] + momentum * m;
                runVar[c] = (1 - momentum) * runVar[c] + momentum * ss / (n - 1); // unbiased
            }
            bn.call(x);
        }
        assertArrayEquals(runMean, bn.runningMean().toDoubleArray(), 1e-5);
        assertArrayEquals(runVar, bn.runningVar().toDoubleArray(), 1e-4);
        assertEquals(4, bn.numBatchesTracked());

        // Eval mode normalises with the running statistics and leaves them alone.
        bn.eval();
        set(bn.weight(), 1, 2, 3);
        set(bn.bias(), 0, 1, 2);
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3); // a batch of one is fine in eval
        double[] expected = new double[3];
        for (int c = 0; c < 3; c++) {
            expected[c] = (c + 1 - runMean[c]) / Math.sqrt(runVar[c] + 1e-5) * (c + 1) + c;
        }
        assertArrayEquals(expected, bn.call(x).toDoubleArray(), 1e-4);
        assertArrayEquals(runMean, bn.runningMean().toDoubleArray(), 1e-5);
        assertEquals(4, bn.numBatchesTracked());
    }

    @Test
    void batchNormModuleTrainsInsideARecording() {
        Sequential model = new Sequential(new Linear(3, 4, new Random(5)), new BatchNorm1d(4), new Relu());
        BatchNorm1d bn = (BatchNorm1d) model.get(1);
        Tensor x = Tensor.randn(new Random(6), 8, 3);
        try (org.tapegrad.core.Tape tape = org.tapegrad.core.Tape.record()) {
            tape.backward(model.call(x).sum());
        }
        for (Tensor p : model.parameters()) {
            assertTrue(p.grad() != null, "every parameter gets a gradient");
        }
        // Σ relu(BN(·)) depends on γ and β; the Linear bias is cancelled by the mean subtraction: zero gradient.
        assertArrayEquals(new double[4], ((Linear) model.get(0)).bias().grad().toDoubleArray(), 1e-5);
        assertEquals(1, bn.numBatchesTracked());
    }

    @Test
    void batchNormWithoutRunningStatisticsUsesTheBatchInEval() {
        BatchNorm1d bn = new BatchNorm1d(1, 1e-5, 0.1, false, false);
        bn.eval();
        assertTrue(bn.namedBuffers().isEmpty() && bn.parameters().isEmpty());
        assertArrayEquals(new double[] {-1, 1}, bn.call(Tensor.of(new float[] {3, 5}, 2, 1)).toDoubleArray(), 1e-4);
    }

    @Test
    void batchNormRefusesBadInput() {
        BatchNorm1d bn = new BatchNorm1d(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.call(Tensor.zeros(4, 2)));
        assertTrue(e.getMessage().contains("[N, 3]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bn.call(Tensor.zeros(1, 3)));
        assertTrue(e.getMessage().contains("more than 1 value"), e.getMessage());
    }

    @Test
    void layerNormGradientMatchesFiniteDifferences() {
        Random rng = new Random(3);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 2, 3, 4);
        Tensor gamma = Tensor.randn(DType.FLOAT64, rng, 3, 4);
        Tensor beta = Tensor.randn(DType.FLOAT64, rng, 3, 4);
        GradCheck.Report r = GradCheck.check(in -> LayerNorm.layerNorm(in[0], new int[] {3, 4}, in[1], in[2], 1e-5),
                x, gamma, beta);
        assertEquals(24 * (24 + 12 + 12), r.entries());
        GradCheck.check(in -> LayerNorm.layerNorm(in[0], new int[] {4}, null, null, 1e-5), x);
    }

    @Test
    void layerNormNormalisesEachSampleOverTheLastDimensions() {
        LayerNorm ln = new LayerNorm(4);
        Tensor y = ln.call(Tensor.of(new float[] {1, 2, 3, 4, -2, 0, 2, 8}, 2, 4));
        double[] v = y.toDoubleArray();
        for (int row = 0; row < 2; row++) {
            double[] r = java.util.Arrays.copyOfRange(v, row * 4, row * 4 + 4);
            assertEquals(0, TestTensors.mean(r), 1e-6);
            assertEquals(1, TestTensors.variance(r), 1e-4);
        }
        // Row 0: mean 2.5, biased var 1.25.
        assertEquals((1 - 2.5) / Math.sqrt(1.25 + 1e-5), v[0], 1e-5);
        set(ln.weight(), 1, 2, 3, 4);
        set(ln.bias(), 1, 1, 1, 1);
        assertEquals(4 * (4 - 2.5) / Math.sqrt(1.25 + 1e-5) + 1, ln.call(Tensor.of(new float[] {1, 2, 3, 4}, 1, 4)).get(0, 3),
                1e-5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ln.call(Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }
}
