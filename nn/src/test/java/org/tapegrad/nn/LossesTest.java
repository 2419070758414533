package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.nn.TestTensors.f64;

import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** Every loss against values worked out by hand from its formula. */
class LossesTest {
    /** log(1 + e^-1 + e^-2): the log-sum-exp of [1, 2, 3] is 3 + L, of [1, 0, -1] is 1 + L. */
    private static final double L = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    private static final Tensor LOGITS = f64(new double[] {1, 2, 3, 1, 0, -1}, 2, 3);
    private static final int[] LABELS = {2, 1};

    @Test
    void crossEntropyEachReduction() {
        double row0 = L;         // -log p[0][2] = (3 + L) - 3
        double row1 = 1 + L;     // -log p[1][1] = (1 + L) - 0
        assertEquals(0.4076059644, row0, 1e-9);
        assertArrayEquals(new double[] {row0, row1},
                new CrossEntropyLoss(Reduction.NONE, 0).forward(LOGITS, LABELS).toDoubleArray(), 1e-12);
        assertEquals(row0 + row1, new CrossEntropyLoss(Reduction.SUM, 0).forward(LOGITS, LABELS).item(), 1e-12);
        assertEquals((row0 + row1) / 2, new CrossEntropyLoss().forward(LOGITS, LABELS).item(), 1e-12);
        assertEquals(0.9076059644, new CrossEntropyLoss().forward(LOGITS, LABELS).item(), 1e-9);
    }

    @Test
    void crossEntropyLabelSmoothingAsPyTorch() {
        double eps = 0.1;
        // -log p row 0: [2 + L, 1 + L, L]; row 1: [L, 1 + L, 2 + L]; both have mean 1 + L.
        double row0 = (1 - eps) * L + eps * (1 + L);
        double row1 = (1 - eps) * (1 + L) + eps * (1 + L);
        assertArrayEquals(new double[] {row0, row1},
                new CrossEntropyLoss(Reduction.NONE, eps).forward(LOGITS, LABELS).toDoubleArray(), 1e-12);
        assertEquals((row0 + row1) / 2, new CrossEntropyLoss(Reduction.MEAN, eps).forward(LOGITS, LABELS).item(), 1e-12);
        assertEquals(row0 + row1, new CrossEntropyLoss(Reduction.SUM, eps).forward(LOGITS, LABELS).item(), 1e-12);
        assertEquals(0.9576059644, new CrossEntropyLoss(Reduction.MEAN, eps).forward(LOGITS, LABELS).item(), 1e-9);
        GradCheck.check(in -> new CrossEntropyLoss(Reduction.SUM, eps).forward(in[0], LABELS), LOGITS);
    }

    @Test
    void crossEntropyGradientIsSoftmaxMinusOneHotOverN() {
        Tensor x = LOGITS.detach().copy().requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(new CrossEntropyLoss(Reduction.MEAN, 0).forward(x, LABELS));
        }
        double z0 = Math.exp(3 + L);
        double z1 = Math.exp(1 + L);
        double[] expected = {Math.exp(1) / z0 / 2, Math.exp(2) / z0 / 2, (Math.exp(3) / z0 - 1) / 2,
            Math.exp(1) / z1 / 2, (Math.exp(0) / z1 - 1) / 2, Math.exp(-1) / z1 / 2};
        assertArrayEquals(expected, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void nllLossPicksTheLabelEntries() {
        Tensor logp = f64(new double[] {-0.5, -1, -2, -3, -0.1, -4}, 2, 3);
        int[] labels = {0, 1};
        assertArrayEquals(new double[] {0.5, 0.1}, new NllLoss(Reduction.NONE).forward(logp, labels).toDoubleArray(), 1e-12);
        assertEquals(0.6, new NllLoss(Reduction.SUM).forward(logp, labels).item(), 1e-12);
        assertEquals(0.3, new NllLoss().forward(logp, labels).item(), 1e-12);
        // NLL of logSoftmax is cross-entropy.
        assertEquals(new CrossEntropyLoss().forward(LOGITS, LABELS).item(),
                new NllLoss().forward(LOGITS.logSoftmax(1), LABELS).item(), 1e-12);
    }

    private static final Tensor X = f64(new double[] {1, 2, 3}, 3);
    private static final Tensor T = f64(new double[] {1.5, 2, 1}, 3); // x - t = [-0.5, 0, 2]

    @Test
    void mseLoss() {
        assertArrayEquals(new double[] {0.25, 0, 4}, new MseLoss(Reduction.NONE).forward(X, T).toDoubleArray(), 1e-12);
        assertEquals(4.25, new MseLoss(Reduction.SUM).forward(X, T).item(), 1e-12);
        assertEquals(4.25 / 3, new MseLoss().forward(X, T).item(), 1e-12);
    }

    @Test
    void l1Loss() {
        assertArrayEquals(new double[] {0.5, 0, 2}, new L1Loss(Reduction.NONE).forward(X, T).toDoubleArray(), 1e-12);
        assertEquals(2.5, new L1Loss(Reduction.SUM).forward(X, T).item(), 1e-12);
        assertEquals(2.5 / 3, new L1Loss().forward(X, T).item(), 1e-12);
    }

    @Test
    void huberLoss() {
        // δ = 1: |d| < 1 -> d²/2; else δ(|d| - δ/2). d = [-0.5, 0, 2] -> [0.125, 0, 1.5].
        assertArrayEquals(new double[] {0.125, 0, 1.5},
                new HuberLoss(Reduction.NONE, 1).forward(X, T).toDoubleArray(), 1e-12);
        assertEquals(1.625, new HuberLoss(Reduction.SUM, 1).forward(X, T).item(), 1e-12);
        assertEquals(1.625 / 3, new HuberLoss().forward(X, T).item(), 1e-12);
        // δ = 0.25: [0.25·(0.5 - 0.125), 0, 0.25·(2 - 0.125)]
        assertArrayEquals(new double[] {0.09375, 0, 0.46875},
                new HuberLoss(Reduction.NONE, 0.25).forward(X, T).toDoubleArray(), 1e-12);
        // Gradient: d inside the threshold, δ·sign(d) outside.
        Tensor x = X.detach().copy().requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(new HuberLoss(Reduction.SUM, 1).forward(x, T));
        }
        assertArrayEquals(new double[] {-0.5, 0, 1}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void bceWithLogitsLoss() {
        Tensor x = f64(new double[] {0, 2, -3}, 3);
        Tensor t = f64(new double[] {0, 1, 0.5}, 3);
        double[] expected = {Math.log(2), Math.log(1 + Math.exp(-2)), 1.5 + Math.log(1 + Math.exp(-3))};
        assertEquals(0.1269280110, expected[1], 1e-9);
        assertArrayEquals(expected, new BceWithLogitsLoss(Reduction.NONE).forward(x, t).toDoubleArray(), 1e-12);
        double sum = expected[0] + expected[1] + expected[2];
        assertEquals(sum, new BceWithLogitsLoss(Reduction.SUM).forward(x, t).item(), 1e-12);
        assertEquals(sum / 3, new BceWithLogitsLoss().forward(x, t).item(), 1e-12);
        // Stable where the naive -[t log σ(x) + (1-t) log(1-σ(x))] overflows: x = ±100 against the wrong target.
        Tensor big = f64(new double[] {100, -100}, 2);
        Tensor wrong = f64(new double[] {0, 1}, 2);
        assertArrayEquals(new double[] {100, 100},
                new BceWithLogitsLoss(Reduction.NONE).forward(big, wrong).toDoubleArray(), 1e-9);
        assertEquals(100, new BceWithLogitsLoss().forward(big, wrong).item(), 1e-9);
    }

    @Test
    void composedReductionsHaveCorrectGradients() {
        Tensor x = f64(new double[] {0.3, -1.2, 2.5, 0.7}, 4);
        Tensor t = f64(new double[] {0.1, 1, 0, 0.6}, 4);
        for (Reduction r : new Reduction[] {Reduction.NONE, Reduction.MEAN, Reduction.SUM}) {
            GradCheck.check(in -> new BceWithLogitsLoss(r).forward(in[0], in[1]), x, t);
            GradCheck.check(in -> new MseLoss(r).forward(in[0], in[1]), x, t);
            GradCheck.check(in -> new HuberLoss(r, 0.5).forward(in[0], in[1]), x, t);
            GradCheck.check(in -> new NllLoss(r).forward(in[0].reshape(2, 2), new int[] {1, 0}), x);
        }
    }

    @Test
    void labelErrorsSayWhatWasExpected() {
        Tensor logits = Tensor.zeros(3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss().forward(logits, new int[] {0, 4, 1}));
        assertTrue(e.getMessage().contains("label 4 at position 1") && e.getMessage().contains("[0, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss(Reduction.SUM, 0.2).forward(logits, new int[] {0, -1, 1}));
        assertTrue(e.getMessage().contains("label -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new NllLoss().forward(logits, new int[] {0, 1}));
        assertTrue(e.getMessage().contains("2 labels") && e.getMessage().contains("one label per row (3)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss().forward(Tensor.zeros(4), new int[4]));
        assertTrue(e.getMessage().contains("[N, C]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(Reduction.MEAN, 1.0));
        assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
    }

    @Test
    void shapeMismatchNamesBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MseLoss().forward(Tensor.zeros(3, 2), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("MseLoss") && e.getMessage().contains("[3, 2]")
                && e.getMessage().contains("[3]") && e.getMessage().contains("expected equal shapes"), e.getMessage());
        for (Runnable r : new Runnable[] {() -> new L1Loss().forward(Tensor.zeros(2), Tensor.zeros(3)),
            () -> new HuberLoss().forward(Tensor.zeros(2), Tensor.zeros(3)),
            () -> new BceWithLogitsLoss().forward(Tensor.zeros(2), Tensor.zeros(3))}) {
            assertThrows(IllegalArgumentException.class, r::run);
        }
    }

    @Test
    void nonFiniteLossIsAnArithmeticException() {
        Tensor bad = f64(new double[] {0, Double.NaN, 1, 2}, 2, 2);
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> new CrossEntropyLoss().forward(bad, new int[] {0, 1}));
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("expected a finite value"), e.getMessage());
        e = assertThrows(ArithmeticException.class, () -> new MseLoss(Reduction.NONE)
                .forward(f64(new double[] {1, Double.POSITIVE_INFINITY}, 2), Tensor.zeros(DType.FLOAT64, 2)));
        assertTrue(e.getMessage().contains("position 1") && e.getMessage().contains("Infinity"), e.getMessage());
        // log(0) from a probability of zero
        assertThrows(ArithmeticException.class, () -> new NllLoss().forward(
                f64(new double[] {Double.NEGATIVE_INFINITY, 0}, 1, 2), new int[] {0}));
    }
}
