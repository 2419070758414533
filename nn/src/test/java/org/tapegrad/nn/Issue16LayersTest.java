package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** GroupNorm, AdaptiveAvgPool2d, Conv1d, pooling's ceil mode and Embedding's padding index. */
class Issue16LayersTest {
    private static final double EXACT = 1e-12;
    private static final DType F64 = DType.FLOAT64;

    private static Tensor range(int... shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return Tensor.of(F64, v, shape);
    }

    // ------------------------------------------------------------------------------------------ GroupNorm

    @Test
    void groupNormNormalisesEachSamplesGroupByHand() {
        // One sample, 4 channels of 2 positions, 2 groups. Group 0 = channels 0, 1 = {1, 3, 5, 7}: mean 4,
        // variance (9 + 1 + 1 + 9)/4 = 5. Group 1 = {10, 10, 10, 14}: mean 11, variance (1 + 1 + 1 + 9)/4 = 3.
        Tensor x = Tensor.of(F64, new double[] {1, 3, 5, 7, 10, 10, 10, 14}, 1, 4, 2);
        GroupNorm norm = new GroupNorm(2, 4, 1e-5, true);
        TestTensors.set(norm.weight(), 1, 2, 3, 4);
        TestTensors.set(norm.bias(), 0, 0, 1, -1);
        double s0 = Math.sqrt(5 + 1e-5);
        double s1 = Math.sqrt(3 + 1e-5);
        double[] expected = {-3 / s0, -1 / s0, 2 * 1 / s0, 2 * 3 / s0, 3 * -1 / s1 + 1, 3 * -1 / s1 + 1,
                4 * -1 / s1 - 1, 4 * 3 / s1 - 1};
        assertArrayEquals(expected, norm.call(x.to(DType.FLOAT32)).toDoubleArray(), 1e-6); // float32 parameters
        assertArrayEquals(expected, GroupNorm.groupNorm(x, 2, norm.weight().to(F64), norm.bias().to(F64), 1e-5)
                .toDoubleArray(), EXACT);
        assertEquals(java.util.List.of("weight", "bias"), java.util.List.copyOf(norm.namedParameters().keySet()));
        assertTrue(new GroupNorm(2, 4, 1e-5, false).parameters().isEmpty());
    }

    @Test
    void groupNormWithOneGroupIsLayerNormOverTheSample() {
        Tensor x = Tensor.randn(F64, new Random(1), 3, 4, 2, 3);
        assertArrayEquals(LayerNorm.layerNorm(x, new int[] {4, 2, 3}, null, null, 1e-5).toDoubleArray(),
                GroupNorm.groupNorm(x, 1, null, null, 1e-5).toDoubleArray(), EXACT);
    }

    @Test
    void groupNormGradients() {
        Random rng = new Random(2);
        GradCheck.check(in -> GroupNorm.groupNorm(in[0], 3, in[1], in[2], 1e-5).pow(2).mul(in[0]).sum(),
                Tensor.randn(F64, rng, 2, 6, 5), Tensor.randn(F64, rng, 6), Tensor.randn(F64, rng, 6));
        assertThrows(IllegalArgumentException.class, () -> new GroupNorm(4, 6));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GroupNorm(2, 4).call(Tensor.zeros(2, 3, 5)));
        assertTrue(e.getMessage().contains("expected input [N, 4, *], got [2, 3, 5]"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------- AdaptiveAvgPool2d

    @Test
    void adaptivePoolingUsesPyTorchsWindows() {
        // H = 5 to 3: rows [0, 2), [1, 4), [3, 5) (overlapping); W = 4 to 3: columns [0, 2), [1, 3), [2, 4).
        assertArrayEquals(new int[] {0, 1, 3}, new int[] {AdaptiveAvgPool2d.start(0, 3, 5),
                AdaptiveAvgPool2d.start(1, 3, 5), AdaptiveAvgPool2d.start(2, 3, 5)});
        assertArrayEquals(new int[] {2, 4, 5}, new int[] {AdaptiveAvgPool2d.end(0, 3, 5),
                AdaptiveAvgPool2d.end(1, 3, 5), AdaptiveAvgPool2d.end(2, 3, 5)});
        Tensor x = range(1, 1, 5, 4); // x[h, w] = 4h + w
        Tensor y = new AdaptiveAvgPool2d(3).call(x);
        assertArrayEquals(new int[] {1, 1, 3, 3}, y.shape());
        // Mean of 4h + w over a rectangle = 4·mean(h) + mean(w): row means 0.5, 2, 3.5; column means 0.5, 1.5, 2.5.
        double[] rows = {0.5, 2, 3.5};
        double[] cols = {0.5, 1.5, 2.5};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(4 * rows[i] + cols[j], y.get(0, 0, i, j), EXACT);
            }
        }
        // Upsampling, H = 2 to 3: rows [0, 1), [0, 2), [1, 2).
        Tensor up = new AdaptiveAvgPool2d(3, 1).call(Tensor.of(F64, new double[] {2, 6}, 1, 1, 2, 1));
        assertArrayEquals(new double[] {2, 4, 6}, up.toDoubleArray(), EXACT);
    }

    @Test
    void adaptivePoolingEqualsAvgPoolWhenTheSizesDivideAndHasGradients() {
        Tensor x = Tensor.randn(F64, new Random(3), 2, 3, 6, 4);
        assertArrayEquals(x.avgPool2d(3).toDoubleArray(),
                new AdaptiveAvgPool2d(2, 1).call(x.narrow(3, 0, 3)).toDoubleArray(), EXACT);
        assertArrayEquals(x.avgPool2d(new int[] {3, 2}, new int[] {3, 2}, new int[] {0, 0}).toDoubleArray(),
                new AdaptiveAvgPool2d(2, 2).call(x).toDoubleArray(), EXACT);
        AdaptiveAvgPool2d pool = new AdaptiveAvgPool2d(4, 3);
        GradCheck.check(in -> pool.call(in[0]).pow(2).sum(), Tensor.randn(F64, new Random(4), 2, 2, 5, 7));
    }

    // --------------------------------------------------------------------------------------------- Conv1d

    @Test
    void conv1dByHand() {
        // y[t] = x[t-1] - x[t+1] + 0.5 with padding 1: x = 1..5 gives -2, -2, -2, -2, 4, plus the bias.
        Conv1d conv = new Conv1d(1, 1, 3, 1, 1, 1, 1, true, new Random(0), F64);
        TestTensors.set(conv.weight(), 1, 0, -1);
        TestTensors.set(conv.bias(), 0.5);
        Tensor y = conv.call(Tensor.of(F64, new double[] {1, 2, 3, 4, 5}, 1, 1, 5));
        assertArrayEquals(new int[] {1, 1, 5}, y.shape());
        assertArrayEquals(new double[] {-1.5, -1.5, -1.5, -1.5, 4.5}, y.toDoubleArray(), EXACT);
        assertArrayEquals(new int[] {1, 1, 3}, conv.weight().shape());
    }

    @Test
    void conv1dAgreesWithItsFormulaWithStrideDilationGroupsAndHasGradients() {
        Random rng = new Random(5);
        int n = 2, c = 4, o = 6, k = 3, s = 2, p = 2, d = 2, groups = 2, len = 9;
        Tensor x = Tensor.randn(F64, rng, n, c, len);
        Conv1d conv = new Conv1d(c, o, k, s, p, d, groups, true, rng, F64);
        Tensor y = conv.call(x);
        int outLen = (len + 2 * p - d * (k - 1) - 1) / s + 1;
        assertArrayEquals(new int[] {n, o, outLen}, y.shape());
        int cg = c / groups;
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < o; oc++) {
                int g = oc / (o / groups);
                for (int t = 0; t < outLen; t++) {
                    double sum = conv.bias().get(oc);
                    for (int ci = 0; ci < cg; ci++) {
                        for (int j = 0; j < k; j++) {
                            int pos = t * s - p + j * d;
                            if (pos >= 0 && pos < len) {
                                sum += conv.weight().get(oc, ci, j) * x.get(b, g * cg + ci, pos);
                            }
                        }
                    }
                    assertEquals(sum, y.get(b, oc, t), EXACT);
                }
            }
        }
        GradCheck.check(in -> Conv1d.conv1d(in[0], in[1], in[2], s, p, d, groups).pow(2).sum(), x,
                conv.weight().detach(), conv.bias().detach());
        double bound = 1 / Math.sqrt(cg * k);
        assertTrue(Arrays.stream(conv.weight().toDoubleArray()).allMatch(v -> Math.abs(v) <= bound),
                "PyTorch's bound 1/√(in/groups·k)");
    }

    // ------------------------------------------------------------------------------------------ ceil mode

    @Test
    void ceilModeAddsThePartialLastWindowByHand() {
        Tensor x = range(1, 1, 5, 5); // x[h, w] = 5h + w
        int[] two = {2, 2};
        int[] zero = {0, 0};
        assertArrayEquals(new double[] {6, 8, 16, 18},
                new MaxPool2d(two, two, zero, false).call(x).toDoubleArray(), 0);
        assertArrayEquals(new double[] {6, 8, 9, 16, 18, 19, 21, 23, 24},
                new MaxPool2d(two, two, zero, true).call(x).toDoubleArray(), 0);
        // PyTorch divides a window that overhangs the input by the part inside it: (4 + 9)/2, (20 + 21)/2, 24/1.
        assertArrayEquals(new double[] {3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24},
                new AvgPool2d(two, two, zero, true).call(x).toDoubleArray(), EXACT);
    }

    @Test
    void ceilModeDropsAWindowThatWouldStartInThePadding() {
        // H = 4, k = 2, s = 3, p = 1: ceil((4 + 2 - 2)/3) + 1 = 3, but window 2 would start at 6 - 1 = 5 >= H, so 2.
        Tensor x = range(1, 1, 4, 4);
        int[] k = {2, 2};
        int[] s = {3, 3};
        int[] p = {1, 1};
        assertArrayEquals(new int[] {1, 1, 2, 2}, new MaxPool2d(k, s, p, true).call(x).shape());
        assertArrayEquals(new int[] {1, 1, 2, 2}, new AvgPool2d(k, s, p, true).call(x).shape());
        // H = 6, k = 3, s = 2, p = 1: floor gives 3, ceil 4 (window 3 starts at 6 - 1 = 5 < H + p). PyTorch's
        // divisor for it: start 5, end min(5 + 3, H + p = 7) = 7, so 2 (input row 5 and the bottom padding), the
        // overhanging row not counted; the same for columns. x[h, w] = 6h + w, so window (3, 3) = 35 / (2·2).
        Tensor z = range(1, 1, 6, 6);
        int[] k3 = {3, 3};
        int[] s2 = {2, 2};
        Tensor avg = new AvgPool2d(k3, s2, p, true).call(z);
        assertArrayEquals(new int[] {1, 1, 4, 4}, avg.shape());
        assertEquals(35 / 4.0, avg.get(0, 0, 3, 3), EXACT);
        // Window (3, 1): input row 5 and columns 1..3, divisor 2·3: (31 + 32 + 33)/6.
        assertEquals((31 + 32 + 33) / 6.0, avg.get(0, 0, 3, 1), EXACT);
        Tensor max = new MaxPool2d(k3, s2, p, true).call(z);
        assertEquals(35, max.get(0, 0, 3, 3), 0);
        assertEquals(6 * 5 + 3, max.get(0, 0, 3, 1), 0);
    }

    @Test
    void ceilModeGradients() {
        Tensor x = Tensor.randn(F64, new Random(6), 2, 2, 7, 6);
        int[] k = {3, 2};
        int[] s = {2, 2};
        int[] p = {1, 0};
        MaxPool2d max = new MaxPool2d(k, s, p, true);
        AvgPool2d avg = new AvgPool2d(k, s, p, true);
        assertArrayEquals(new int[] {2, 2, 4, 3}, max.call(x).shape());
        GradCheck.check(in -> max.call(in[0]).pow(2).sum(), x);
        GradCheck.check(in -> avg.call(in[0]).pow(2).sum(), x);
    }

    // ----------------------------------------------------------------------------------- Embedding padding

    @Test
    void paddingRowStartsAtZeroAndGetsNoGradient() {
        Embedding emb = new Embedding(4, 2, 1, new Random(0));
        assertArrayEquals(new double[] {0, 0}, emb.weight().narrow(0, 1, 1).toDoubleArray(), 0);
        Tensor c = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        try (Tape tape = Tape.record()) {
            tape.backward(emb.forward(2, 1, 2).mul(c).sum());
        }
        assertArrayEquals(new double[] {0, 0, 0, 0, 6, 8, 0, 0}, emb.weight().grad().toDoubleArray(), 0);
        // As in PyTorch, a lookup gives the padding row's current value, even when it was changed.
        TestTensors.set(emb.weight(), 1, 2, 3, 4, 5, 6, 7, 8);
        assertArrayEquals(new double[] {3, 4, 5, 6, 3, 4}, emb.forward(1, 2, 1).toDoubleArray(), 0);
        assertArrayEquals(new int[] {2, 1, 2}, emb.forward(Tensor.of(new float[] {1, 3}, 2, 1)).shape());
    }

    @Test
    void negativePaddingIndexCountsFromTheEndAndOutOfRangeIsRefused() {
        Embedding emb = new Embedding(5, 3, -1, new Random(0));
        assertEquals(4, emb.paddingIdx());
        assertNull(new Embedding(5, 3, new Random(0)).paddingIdx());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Embedding(5, 3, 5, new Random(0)));
        assertTrue(e.getMessage().contains("paddingIdx 5 must be within [-5, 5)"), e.getMessage());
    }
}
