package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** Convolution, pooling, BatchNorm2d and Dropout2d layers: PyTorch's layout, initialisation, formulas, errors. */
class ConvLayersTest {

    @Test
    void conv2dHasPyTorchsLayoutAndInitialisation() {
        Conv2d conv = new Conv2d(6, 12, new int[] {3, 2}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 3,
                true, new Random(1), DType.FLOAT32);
        assertEquals(List.of("weight", "bias"), List.copyOf(conv.namedParameters().keySet()));
        assertArrayEquals(new int[] {12, 2, 3, 2}, conv.weight().shape());
        assertArrayEquals(new int[] {12}, conv.bias().shape());
        double bound = 1 / Math.sqrt(2 * 3 * 2); // fan-in = in/groups·kH·kW
        for (Tensor t : List.of(conv.weight(), conv.bias())) {
            double max = 0;
            for (double v : t.toDoubleArray()) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound && max > 0.8 * bound, "max |value| " + max + ", bound " + bound);
        }
        ConvTranspose2d up = new ConvTranspose2d(4, 6, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1}, 2, false, new Random(2), DType.FLOAT32);
        assertArrayEquals(new int[] {4, 3, 3, 3}, up.weight().shape(), "[in, out/groups, kH, kW]");
        assertEquals(List.of("weight"), List.copyOf(up.namedParameters().keySet()));
    }

    @Test
    void layersComputeTheirFunctionalOps() {
        Random rng = new Random(3);
        Tensor x = Tensor.randn(rng, 2, 4, 9, 8);
        Conv2d conv = new Conv2d(4, 6, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 2,
                true, rng, DType.FLOAT32);
        Tensor y = conv.call(x);
        assertArrayEquals(new int[] {2, 6, 5, 6}, y.shape());
        assertArrayEquals(x.conv2d(conv.weight(), conv.bias(), new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 2)
                .toFloatArray(), y.toFloatArray());
        ConvTranspose2d up = new ConvTranspose2d(6, 4, 3, 2, 1, rng);
        assertArrayEquals(new int[] {2, 4, 9, 11}, up.call(y).shape(), "(5-1)·2 - 2 + 2 + 1 = 9, (6-1)·2 + 1 = 11");
        assertArrayEquals(x.maxPool2d(2).toFloatArray(), new MaxPool2d(2).call(x).toFloatArray());
        assertArrayEquals(x.avgPool2d(new int[] {3, 3}, new int[] {1, 2}, new int[] {1, 1}).toFloatArray(),
                new AvgPool2d(new int[] {3, 3}, new int[] {1, 2}, new int[] {1, 1}).call(x).toFloatArray());
        Tensor gap = new GlobalAvgPool2d().call(x);
        assertArrayEquals(new int[] {2, 4}, gap.shape());
        assertEquals(x.narrow(0, 1, 1).narrow(1, 2, 1).mean().item(), gap.get(1, 2), 1e-6);
        assertArrayEquals(new int[] {3, 1, 28, 28}, new Unflatten(1, 1, 28, 28).call(Tensor.zeros(3, 784)).shape());
    }

    @Test
    void globalAveragePoolingGradientMatchesFiniteDifferences() {
        GlobalAvgPool2d gap = new GlobalAvgPool2d();
        GradCheck.Report r = GradCheck.check(in -> gap.call(in[0]).mul(in[1]),
                Tensor.randn(DType.FLOAT64, new Random(10), 2, 3, 2, 3), Tensor.randn(DType.FLOAT64, new Random(11), 2, 3));
        assertEquals(6 * (36 + 6), r.entries());
    }

    @Test
    void shapeErrorsNameTheLayerTheInputAndTheReason() {
        Conv2d conv = new Conv2d(1, 16, 5, new Random(4));
        String small = assertThrows(IllegalArgumentException.class, () -> conv.call(Tensor.zeros(2, 1, 4, 4)))
                .getMessage();
        assertTrue(small.startsWith("Conv2d(in=1, out=16, kernel=[5, 5]") && small.contains("[2, 1, 4, 4]")
                && small.contains("larger than the padded input 4x4"), small);
        String channels = assertThrows(IllegalArgumentException.class, () -> conv.call(Tensor.zeros(2, 3, 28, 28)))
                .getMessage();
        assertTrue(channels.contains("expected input [N, 1, H, W], got [2, 3, 28, 28]"), channels);
        String groups = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, new int[] {3, 3},
                new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 2, true, new Random(5), DType.FLOAT32))
                .getMessage();
        assertTrue(groups.contains("Conv2d: in channels 3") && groups.contains("divisible by groups = 2"), groups);
        String pool = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3).call(Tensor.zeros(1, 1, 2, 2)))
                .getMessage();
        assertTrue(pool.startsWith("MaxPool2d(kernel=[3, 3]") && pool.contains("[1, 1, 2, 2]"), pool);
    }

    @Test
    void batchNorm2dGradientMatchesFiniteDifferences() {
        Random rng = new Random(6);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 2, 3, 2, 2);
        Tensor gamma = Tensor.randn(DType.FLOAT64, rng, 3);
        Tensor beta = Tensor.randn(DType.FLOAT64, rng, 3);
        GradCheck.Report r = GradCheck.check(
                in -> BatchNorm2d.batchNorm2d(in[0], null, null, in[1], in[2], true, 0.1, 1e-5), x, gamma, beta);
        assertEquals(24 * (24 + 3 + 3), r.entries());
        Tensor mean = Tensor.randn(DType.FLOAT64, rng, 3);
        Tensor var = Tensor.rand(DType.FLOAT64, rng, 3).add(0.5);
        GradCheck.check(in -> BatchNorm2d.batchNorm2d(in[0], mean, var, in[1], in[2], false, 0.1, 1e-5), x, gamma,
                beta);
    }

    @Test
    void batchNorm2dNormalisesEachChannelAndTracksRunningStatistics() {
        Random rng = new Random(7);
        BatchNorm2d bn = new BatchNorm2d(3, 1e-5, 0.25, true, true);
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(bn.stateDict().tensors().keySet()));
        TestTensors.set(bn.weight(), 1, 2, 3);
        TestTensors.set(bn.bias(), 0, -1, 1);
        double[] runMean = {0, 0, 0};
        double[] runVar = {1, 1, 1};
        Tensor x = null;
        for (int step = 0; step < 3; step++) {
            x = Tensor.randn(rng, 4, 3, 3, 2).mul(step + 1).add(step);
            Tensor y = bn.call(x);
            for (int c = 0; c < 3; c++) {
                double[] xc = x.narrow(1, c, 1).toDoubleArray();
                double[] yc = y.narrow(1, c, 1).toDoubleArray();
                double m = TestTensors.mean(xc);
                double v = TestTensors.variance(xc);
                for (int i = 0; i < xc.length; i++) {
                    assertEquals((xc[i] - m) / Math.sqrt(v + 1e-5) * (c + 1) + (c == 0 ? 0 : c == 1 ? -1 : 1), yc[i],
                            1e-4);
                }
                runMean[c] = 0.75 * runMean[c] + 0.25 * m;
                runVar[c] = 0.75 * runVar[c] + 0.25 * v * xc.length / (xc.length - 1);
            }
        }
        assertArrayEquals(runMean, bn.runningMean().toDoubleArray(), 1e-5);
        assertArrayEquals(runVar, bn.runningVar().toDoubleArray(), 1e-5);
        assertEquals(3, bn.numBatchesTracked());
        bn.eval();
        Tensor y = bn.call(x);
        double expected = (x.get(1, 2, 0, 1) - runMean[2]) / Math.sqrt(runVar[2] + 1e-5) * 3 + 1;
        assertEquals(expected, y.get(1, 2, 0, 1), 1e-4);
        assertEquals(3, bn.numBatchesTracked(), "eval mode does not count batches");
    }

    @Test
    void dropout2dZeroesWholeChannelsAndScalesTheRest() {
        Dropout2d drop = new Dropout2d(0.5, new Random(8));
        Tensor x = Tensor.rand(new Random(9), 8, 16, 3, 3).add(1).requiresGrad(true);
        Tensor y;
        try (Tape tape = Tape.record()) {
            y = drop.call(x);
            tape.backward(y.sum());
        }
        int dropped = 0;
        for (int n = 0; n < 8; n++) {
            for (int c = 0; c < 16; c++) {
                double[] xs = x.narrow(0, n, 1).narrow(1, c, 1).toDoubleArray();
                double[] ys = y.narrow(0, n, 1).narrow(1, c, 1).toDoubleArray();
                double[] gs = x.grad().narrow(0, n, 1).narrow(1, c, 1).toDoubleArray();
                boolean zero = ys[0] == 0;
                dropped += zero ? 1 : 0;
                for (int i = 0; i < 9; i++) {
                    assertEquals(zero ? 0 : 2 * xs[i], ys[i], 1e-6, "a channel is dropped or kept as a whole");
                    assertEquals(zero ? 0 : 2, gs[i], 0, "the gradient uses the same mask");
                }
            }
        }
        assertTrue(dropped > 40 && dropped < 88, dropped + " of 128 channels dropped at p = 0.5");
        assertNotEquals(0, dropped);
        drop.eval();
        assertSame(x, drop.call(x));
    }
}
