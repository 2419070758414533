package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.core.TestTensors.f64;

import org.junit.jupiter.api.Test;

/**
 * The losses of {@link Losses} against numbers worked out by hand from PyTorch's documented formulas (the
 * weighted mean of {@code cross_entropy} and {@code nll_loss}, {@code pos_weight}, {@code kl_div}, {@code
 * cosine_embedding_loss}). Gradients are checked by the {@link OpCases} table.
 */
class LossFormulasTest {
    private static final double EXACT = 1e-12;
    /** log(1 + e^-1 + e^-2): -log softmax of [1, 2, 3] is [2 + L, 1 + L, L], of [1, 0, -1] [L, 1 + L, 2 + L]. */
    private static final double L = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    private static final Tensor LOGITS = f64(new double[] {1, 2, 3, 1, 0, -1}, 2, 3);
    private static final int[] LABELS = {2, 1};
    private static final Tensor WEIGHT = f64(new double[] {1, 2, 3}, 3);

    @Test
    void crossEntropyWithClassWeightsIsAWeightedMean() {
        // PyTorch: Σ w[y]·(-log p[y]) / Σ w[y] = (3·L + 2·(1 + L)) / (3 + 2)
        double expected = (3 * L + 2 * (1 + L)) / 5;
        assertEquals(expected, Losses.crossEntropy(LOGITS, LABELS, WEIGHT, -100, 0).item(), EXACT);
        assertArrayEquals(new double[] {3 * L, 2 * (1 + L)},
                Losses.crossEntropyUnreduced(LOGITS, LABELS, WEIGHT, -100, 0).toDoubleArray(), EXACT);
        // no weights, nothing ignored: the fused plain form
        assertEquals(Losses.crossEntropy(LOGITS, LABELS).item(),
                Losses.crossEntropy(LOGITS, LABELS, null, -100, 0).item(), EXACT);
    }

    @Test
    void crossEntropyIgnoresRowsWithTheIgnoreIndex() {
        assertEquals(L, Losses.crossEntropy(LOGITS, new int[] {2, -100}, WEIGHT, -100, 0).item(), EXACT);
        assertEquals(1 + L, Losses.crossEntropy(LOGITS, new int[] {0, 1}, null, 0, 0).item(), EXACT);
        assertArrayEquals(new double[] {0, 1 + L},
                Losses.crossEntropyUnreduced(LOGITS, new int[] {0, 1}, null, 0, 0).toDoubleArray(), EXACT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(LOGITS, new int[] {-100, -100}, null, -100, 0));
        assertTrue(e.getMessage().contains("ignoreIndex -100"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(LOGITS, new int[] {3, 0}, null, -100, 0));
        assertTrue(e.getMessage().contains("label 3") && e.getMessage().contains("ignoreIndex"), e.getMessage());
    }

    @Test
    void crossEntropyLabelSmoothingWithWeightsAsPyTorch() {
        // (1-ε)·nll + (ε/C)·Σ_c w[c]·(-log p[c]) per row, both over Σ w[y] = 5.
        // Row 0: Σ_c w·(-log p) = 1·(2+L) + 2·(1+L) + 3·L = 4 + 6L; row 1: L + 2(1+L) + 3(2+L) = 8 + 6L.
        double eps = 0.1;
        double expected = ((1 - eps) * (3 * L + 2 * (1 + L)) + eps / 3 * (4 + 6 * L + 8 + 6 * L)) / 5;
        assertEquals(expected, Losses.crossEntropy(LOGITS, LABELS, WEIGHT, -100, eps).item(), EXACT);
    }

    @Test
    void crossEntropyWithProbabilityTargets() {
        Tensor t = f64(new double[] {0.2, 0.3, 0.5, 1, 0, 0}, 2, 3);
        // row 0: 0.2(2+L) + 0.3(1+L) + 0.5L = 0.7 + L; row 1: L. The mean is over N = 2.
        assertEquals((0.7 + 2 * L) / 2, Losses.crossEntropy(LOGITS, t).item(), EXACT);
        // weighted: row 0: 0.2·1·(2+L) + 0.3·2·(1+L) + 0.5·3·L = 1 + 2.3L; row 1: 1·L; still over N, not Σ w
        assertEquals((1 + 3.3 * L) / 2, Losses.crossEntropy(LOGITS, t, WEIGHT, 0).item(), EXACT);
        // a one-hot target equals the class-index form; smoothing ε mixes in ε/C of every class
        Tensor onehot = f64(new double[] {0, 0, 1, 0, 1, 0}, 2, 3);
        assertEquals(Losses.crossEntropy(LOGITS, LABELS, null, -100, 0.2).item(),
                Losses.crossEntropy(LOGITS, onehot, null, 0.2).item(), EXACT);
    }

    @Test
    void nllLossWithWeightsAndIgnoreIndex() {
        // the input read as log-probabilities: -(3·3 + 2·0) / (3 + 2)
        assertEquals(-9.0 / 5, Losses.nllLoss(LOGITS, LABELS, WEIGHT, -100).item(), EXACT);
        assertEquals(-1.5, Losses.nllLoss(LOGITS, LABELS).item(), EXACT);
        assertEquals(-3, Losses.nllLoss(LOGITS, new int[] {2, 7}, WEIGHT, 7).item(), EXACT);
        assertArrayEquals(new double[] {-9, 0}, Losses.nllLossUnreduced(LOGITS, LABELS, WEIGHT, -100).toDoubleArray(),
                EXACT);
    }

    @Test
    void binaryCrossEntropyWithPosWeight() {
        // PyTorch: -[p·t·log σ(x) + (1-t)·log(1-σ(x))], p per class along the last dimension
        double[] x = {0, 0, 2, -3};
        double[] t = {1, 0, 0.5, 0.25};
        double[] p = {3, 3, 2, 0.5};
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            double s = 1 / (1 + Math.exp(-x[i]));
            sum += -(p[i] * t[i] * Math.log(s) + (1 - t[i]) * Math.log(1 - s));
        }
        Tensor logits = f64(x, 2, 2);
        Tensor targets = f64(t, 2, 2);
        Tensor posWeight = f64(new double[] {3, 3, 2, 0.5}, 2, 2);
        assertEquals(sum / 4, Losses.binaryCrossEntropyWithLogits(logits, targets, posWeight).item(), EXACT);
        assertEquals(3 * Math.log(2), Losses.binaryCrossEntropyWithLogitsUnreduced(logits, targets, posWeight)
                .toDoubleArray()[0], EXACT);
        // a weight of 1 is the plain loss; no overflow at large logits
        assertEquals(Losses.binaryCrossEntropyWithLogits(logits, targets).item(),
                Losses.binaryCrossEntropyWithLogits(logits, targets, Tensor.ones(DType.FLOAT64, 2)).item(), EXACT);
        Tensor big = f64(new double[] {800, -800}, 2);
        assertArrayEquals(new double[] {800, 800}, Losses.binaryCrossEntropyWithLogitsUnreduced(big,
                f64(new double[] {0, 1}, 2), Tensor.scalar(DType.FLOAT64, 1)).toDoubleArray(), 1e-9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.binaryCrossEntropyWithLogits(logits, targets, Tensor.ones(DType.FLOAT64, 3)));
        assertTrue(e.getMessage().contains("posWeight [3]") && e.getMessage().contains("[2, 2]"), e.getMessage());
    }

    @Test
    void klDivergence() {
        // input log q, q = [0.25, 0.75]; target p = [0.5, 0.5]: Σ p·log(p/q) = ½ ln 2 + ½ ln(2/3)
        Tensor logQ = f64(new double[] {Math.log(0.25), Math.log(0.75)}, 1, 2);
        Tensor p = f64(new double[] {0.5, 0.5}, 1, 2);
        double kl = 0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3);
        assertEquals(kl / 2, Losses.klDiv(logQ, p, false).item(), EXACT); // "mean": over the 2 elements
        assertEquals(kl / 2, Losses.klDiv(logQ, p.log(), true).item(), EXACT);
        // a zero in the target contributes 0 (0·log 0 = 0), not NaN: [0, 1] against [½, ½] is ln 2
        Tensor half = f64(new double[] {Math.log(0.5), Math.log(0.5)}, 1, 2);
        assertArrayEquals(new double[] {0, Math.log(2)}, Losses.klDivUnreduced(half,
                f64(new double[] {0, 1}, 1, 2), false).toDoubleArray(), EXACT);
    }

    @Test
    void cosineEmbeddingLoss() {
        Tensor a = f64(new double[] {1, 0, 1, 0}, 2, 2);
        Tensor b = f64(new double[] {1, 1, 0, 1}, 2, 2);
        Tensor y = f64(new double[] {1, -1}, 2);
        // row 0: 1 - cos, cos = 1/√((1 + 1e-12)(2 + 1e-12)); row 1: max(0, cos - margin) with cos = 0
        double cos0 = 1 / Math.sqrt((1 + 1e-12) * (2 + 1e-12));
        assertArrayEquals(new double[] {1 - cos0, 0}, Losses.cosineEmbeddingLossUnreduced(a, b, y, 0).toDoubleArray(),
                EXACT);
        assertEquals((1 - cos0 + 0.5) / 2, Losses.cosineEmbeddingLoss(a, b, y, -0.5).item(), EXACT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.cosineEmbeddingLoss(a, b, f64(new double[] {1, 0}, 2), 0));
        assertTrue(e.getMessage().contains("target 0.0 at row 1"), e.getMessage());
    }

    @Test
    void classWeightsOfTheWrongShapeAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(LOGITS, LABELS, Tensor.ones(DType.FLOAT64, 4), -100, 0));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2, 3]")
                && e.getMessage().contains("shape [3]"), e.getMessage());
    }
}
