package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.nn.TestTensors.f64;

import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Tensor;

/**
 * The PyTorch options of the losses (class weights, ignoreIndex, soft targets, posWeight) and the KL and cosine
 * embedding losses, each reduction against values worked out by hand from PyTorch's documented formulas, and
 * their gradients against finite differences.
 */
class LossOptionsTest {
    /** log(1 + e^-1 + e^-2): -log softmax of [1, 2, 3] is [2 + L, 1 + L, L], of [1, 0, -1] [L, 1 + L, 2 + L]. */
    private static final double L = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    private static final Tensor LOGITS = f64(new double[] {1, 2, 3, 1, 0, -1}, 2, 3);
    private static final int[] LABELS = {2, 1};
    private static final Tensor WEIGHT = f64(new double[] {1, 2, 3}, 3);
    private static final Reduction[] REDUCTIONS = {Reduction.NONE, Reduction.MEAN, Reduction.SUM};

    @Test
    void crossEntropyWithClassWeightsEachReduction() {
        double row0 = 3 * L;           // w[2]·(-log p[0][2])
        double row1 = 2 * (1 + L);     // w[1]·(-log p[1][1])
        assertArrayEquals(new double[] {row0, row1}, new CrossEntropyLoss(Reduction.NONE, 0, WEIGHT, -100)
                .forward(LOGITS, LABELS).toDoubleArray(), 1e-12);
        assertEquals(row0 + row1, new CrossEntropyLoss(Reduction.SUM, 0, WEIGHT, -100).forward(LOGITS, LABELS).item(),
                1e-12);
        assertEquals((row0 + row1) / 5, new CrossEntropyLoss(Reduction.MEAN, 0, WEIGHT, -100)
                .forward(LOGITS, LABELS).item(), 1e-12);
    }

    @Test
    void crossEntropyIgnoreIndexWithLabelSmoothing() {
        // Row 1 ignored: only row 0 counts, (1-ε)·L + (ε/3)·((2+L) + (1+L) + L) over a count of 1.
        double eps = 0.3;
        double row0 = (1 - eps) * L + eps / 3 * (3 + 3 * L);
        CrossEntropyLoss none = new CrossEntropyLoss(Reduction.NONE, eps, null, 9);
        assertArrayEquals(new double[] {row0, 0}, none.forward(LOGITS, new int[] {2, 9}).toDoubleArray(), 1e-12);
        assertEquals(row0, new CrossEntropyLoss(Reduction.MEAN, eps, null, 9).forward(LOGITS, new int[] {2, 9}).item(),
                1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss(Reduction.MEAN, 0, null, 9).forward(LOGITS, new int[] {9, 9}));
        assertTrue(e.getMessage().contains("ignoreIndex 9") && e.getMessage().contains("SUM"), e.getMessage());
        assertEquals(0, new CrossEntropyLoss(Reduction.SUM, 0, null, 9).forward(LOGITS, new int[] {9, 9}).item());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CrossEntropyLoss(Reduction.MEAN, 0, null, 9).forward(LOGITS, new int[] {3, 9}));
        assertTrue(e.getMessage().contains("label 3") && e.getMessage().contains("or the ignoreIndex 9"),
                e.getMessage());
    }

    @Test
    void crossEntropyWithProbabilityTargets() {
        Tensor t = f64(new double[] {0.2, 0.3, 0.5, 1, 0, 0}, 2, 3);
        double row0 = 0.2 * (2 + L) + 0.3 * (1 + L) + 0.5 * L;
        double row1 = L;
        assertArrayEquals(new double[] {row0, row1},
                new CrossEntropyLoss(Reduction.NONE, 0).forward(LOGITS, t).toDoubleArray(), 1e-12);
        assertEquals((row0 + row1) / 2, new CrossEntropyLoss().forward(LOGITS, t).item(), 1e-12);
        // weights scale each class's term, and MEAN still divides by N (PyTorch)
        double w0 = 0.2 * (2 + L) + 0.3 * 2 * (1 + L) + 0.5 * 3 * L;
        assertEquals((w0 + row1) / 2, new CrossEntropyLoss(Reduction.MEAN, 0, WEIGHT, -100).forward(LOGITS, t).item(),
                1e-12);
        assertEquals(w0 + row1, new CrossEntropyLoss(Reduction.SUM, 0, WEIGHT, -100).forward(LOGITS, t).item(), 1e-12);
    }

    @Test
    void nllLossWithWeightsAndIgnoreIndex() {
        // the logits read as log-probabilities: ℓ = [-3·3, -2·0]
        assertArrayEquals(new double[] {-9, 0}, new NllLoss(Reduction.NONE, WEIGHT, -100).forward(LOGITS, LABELS)
                .toDoubleArray(), 1e-12);
        assertEquals(-9.0 / 5, new NllLoss(Reduction.MEAN, WEIGHT, -100).forward(LOGITS, LABELS).item(), 1e-12);
        assertEquals(-3, new NllLoss(Reduction.MEAN, WEIGHT, 1).forward(LOGITS, LABELS).item(), 1e-12);
    }

    @Test
    void bceWithLogitsPosWeight() {
        Tensor x = f64(new double[] {0, 2, -3, 0}, 2, 2);
        Tensor t = f64(new double[] {1, 1, 0.5, 0}, 2, 2);
        Tensor p = f64(new double[] {3, 0.5}, 2);
        double[] pw = {3, 0.5, 3, 0.5};
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            double xi = x.toDoubleArray()[i];
            double ti = t.toDoubleArray()[i];
            double s = 1 / (1 + Math.exp(-xi));
            expected[i] = -(pw[i] * ti * Math.log(s) + (1 - ti) * Math.log(1 - s));
        }
        assertEquals(3 * Math.log(2), expected[0], 1e-12);
        BceWithLogitsLoss none = new BceWithLogitsLoss(Reduction.NONE, p);
        assertArrayEquals(expected, none.forward(x, t).toDoubleArray(), 1e-12);
        double sum = expected[0] + expected[1] + expected[2] + expected[3];
        assertEquals(sum, new BceWithLogitsLoss(Reduction.SUM, p).forward(x, t).item(), 1e-12);
        assertEquals(sum / 4, new BceWithLogitsLoss(Reduction.MEAN, p).forward(x, t).item(), 1e-12);
    }

    @Test
    void klDivLossEachReduction() {
        // input log q with q = [[.25, .75], [.5, .5]], target p = [[.5, .5], [1, 0]]
        Tensor logQ = f64(new double[] {0.25, 0.75, 0.5, 0.5}, 2, 2).log();
        Tensor p = f64(new double[] {0.5, 0.5, 1, 0}, 2, 2);
        double[] pointwise = {0.5 * Math.log(2), 0.5 * Math.log(0.5 / 0.75), Math.log(2), 0};
        double sum = pointwise[0] + pointwise[1] + pointwise[2];
        assertArrayEquals(pointwise, new KlDivLoss(Reduction.NONE, false).forward(logQ, p).toDoubleArray(), 1e-12);
        assertEquals(sum, new KlDivLoss(Reduction.SUM, false).forward(logQ, p).item(), 1e-12);
        assertEquals(sum / 4, new KlDivLoss().forward(logQ, p).item(), 1e-12);
        assertEquals(sum / 2, new KlDivLoss(Reduction.BATCHMEAN, false).forward(logQ, p).item(), 1e-12);
        // the target as log-probabilities: the same divergence (e^(log 0) = 0 covers the zero)
        Tensor logP = p.log();
        assertEquals(sum / 2, new KlDivLoss(Reduction.BATCHMEAN, true).forward(logQ, logP.maskedFill(
                f64(new double[] {0, 0, 0, 1}, 2, 2), -1e300)).item(), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NllLoss(Reduction.BATCHMEAN));
        assertTrue(e.getMessage().contains("KlDivLoss only"), e.getMessage());
    }

    @Test
    void cosineEmbeddingLossEachReduction() {
        Tensor a = f64(new double[] {1, 0, 1, 0, 3, 4}, 3, 2);
        Tensor b = f64(new double[] {1, 1, 0, 1, 3, 4}, 3, 2);
        Tensor y = f64(new double[] {1, -1, -1}, 3);
        double cos0 = 1 / Math.sqrt((1 + 1e-12) * (2 + 1e-12));
        double cos2 = 25 / (25 + 1e-12);
        double margin = 0.2;
        double[] expected = {1 - cos0, 0, cos2 - margin};
        assertArrayEquals(expected, new CosineEmbeddingLoss(Reduction.NONE, margin).forward(a, b, y).toDoubleArray(),
                1e-12);
        assertEquals((expected[0] + expected[2]) / 3, new CosineEmbeddingLoss(Reduction.MEAN, margin)
                .forward(a, b, y).item(), 1e-12);
        assertEquals(expected[0] + expected[2], new CosineEmbeddingLoss(Reduction.SUM, margin).forward(a, b, y).item(),
                1e-12);
    }

    @Test
    void gradientsOfEveryOptionAndReduction() {
        Tensor logits = f64(new double[] {0.3, -1.2, 2.5, 0.7, 0.1, -0.4, 1.1, 0.9, -0.6}, 3, 3);
        Tensor soft = f64(new double[] {0.2, 0.5, 0.3, 0, 1, 0, 0.6, 0.1, 0.3}, 3, 3);
        Tensor w = f64(new double[] {0.5, 2, 1.5}, 3);
        int[] labels = {2, -100, 0};
        Tensor a = f64(new double[] {0.3, -1.2, 0.5, 0.7, 0.2, -0.4}, 3, 2);
        Tensor b = f64(new double[] {1.1, 0.9, -0.6, 0.4, 0.8, 0.3}, 3, 2);
        Tensor y = f64(new double[] {1, -1, -1}, 3);
        for (Reduction r : REDUCTIONS) {
            GradCheck.check(in -> new CrossEntropyLoss(r, 0.1, w, -100).forward(in[0], labels), logits);
            GradCheck.check(in -> new CrossEntropyLoss(r, 0.1, w, -100).forward(in[0], in[1]), logits, soft);
            GradCheck.check(in -> new NllLoss(r, w, -100).forward(in[0].logSoftmax(1), labels), logits);
            GradCheck.check(in -> new BceWithLogitsLoss(r, w).forward(in[0], in[1]), logits, soft);
            GradCheck.check(in -> new KlDivLoss(r, false).forward(in[0].logSoftmax(1), in[1].softmax(1)), logits,
                    soft);
            GradCheck.check(in -> new CosineEmbeddingLoss(r, -0.3).forward(in[0], in[1], y), a, b);
        }
        GradCheck.check(in -> new KlDivLoss(Reduction.BATCHMEAN, true).forward(in[0].logSoftmax(1),
                in[1].logSoftmax(1)), logits, soft);
    }

    @Test
    void float32AgreesWithFloat64() {
        Tensor w = f64(new double[] {1, 2, 3}, 3);
        double f64 = new CrossEntropyLoss(Reduction.MEAN, 0.1, w, -100).forward(LOGITS, new int[] {2, -100}).item();
        double f32 = new CrossEntropyLoss(Reduction.MEAN, 0.1, w, -100)
                .forward(LOGITS.to(DType.FLOAT32), new int[] {2, -100}).item();
        assertEquals(f64, f32, 1e-6);
    }
}
