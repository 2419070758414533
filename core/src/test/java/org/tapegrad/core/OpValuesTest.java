package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.core.TestTensors.f64;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values and gradients of the newer ops worked out by hand, and the cases finite differences cannot check: ties
 * (where PyTorch's rules choose a subgradient), infinities, and the numerically delicate ends of each function.
 */
class OpValuesTest {
    private static final double EXACT = 1e-12;

    private static Tensor param(double... values) {
        return f64(values, values.length).requiresGrad(true);
    }

    private static double[] gradOfSum(Tensor x, java.util.function.Function<Tensor, Tensor> f) {
        try (Tape tape = Tape.record()) {
            return Autograd.grad(f.apply(x).sum(), x)[0].toDoubleArray();
        }
    }

    @Test
    void maxOfAllElementsSplitsTheGradientAmongTies() {
        // Before this change max() sent it all to the first maximum: [0, 1, 0, 0].
        Tensor x = param(1, 3, 3, 2);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, gradOfSum(x, Tensor::max), EXACT);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, gradOfSum(x, Tensor::amax), EXACT);
        assertArrayEquals(new double[] {1. / 3, 1. / 3, 1. / 3}, gradOfSum(param(2, 2, 2), Tensor::max), EXACT);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, gradOfSum(param(2, -1, -1, 5), Tensor::min), EXACT);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, gradOfSum(param(2, -1, -1, 5), Tensor::amin), EXACT);
        assertEquals(3, x.max().item());
        assertEquals(-1, param(2, -1, -1, 5).min().item());
    }

    @Test
    void maxAlongADimensionPicksTheFirstAndAmaxSplits() {
        // PyTorch: max(dim) returns an index, so its gradient goes there; amax(dim) shares it among ties.
        Tensor x = f64(new double[] {3, 3, 1, 2}, 2, 2).requiresGrad(true);
        assertArrayEquals(new double[] {1, 0, 0, 1}, gradOfSum(x, t -> t.max(1, false)), EXACT);
        assertArrayEquals(new double[] {0.5, 0.5, 0, 1}, gradOfSum(x, t -> t.amax(1, false)), EXACT);
        assertArrayEquals(new double[] {0, 0, 1, 1}, gradOfSum(x, t -> t.amin(0, false)), EXACT);
        assertArrayEquals(new double[] {3, 2}, x.amax(1, false).toDoubleArray(), EXACT);
        assertArrayEquals(new int[] {2, 1}, x.amax(1, true).shape());
        assertArrayEquals(new double[] {1, 2}, x.min(0, false).toDoubleArray(), EXACT);
    }

    @Test
    void maximumAndMinimumSplitTies() {
        Tensor a = param(1, 2, 3);
        Tensor b = param(3, 2, 1);
        assertArrayEquals(new double[] {3, 2, 3}, a.maximum(b).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {1, 2, 1}, a.minimum(b).toDoubleArray(), EXACT);
        try (Tape tape = Tape.record()) {
            Tensor[] g = Autograd.grad(a.maximum(b).sum(), a, b);
            assertArrayEquals(new double[] {0, 0.5, 1}, g[0].toDoubleArray(), EXACT);
            assertArrayEquals(new double[] {1, 0.5, 0}, g[1].toDoubleArray(), EXACT);
        }
        try (Tape tape = Tape.record()) {
            Tensor[] g = Autograd.grad(a.minimum(b).sum(), a, b);
            assertArrayEquals(new double[] {1, 0.5, 0}, g[0].toDoubleArray(), EXACT);
            assertArrayEquals(new double[] {0, 0.5, 1}, g[1].toDoubleArray(), EXACT);
        }
        // a scalar broadcast against a vector collects every element's share: 1 + ½ + 0
        Tensor s = Tensor.scalar(DType.FLOAT64, 2).requiresGrad(true);
        assertEquals(1.5, gradOfSum(s, t -> t.maximum(f64(new double[] {1, 2, 3}, 3)))[0], EXACT);
    }

    @Test
    void whereSelectsSoAnInfinityItDropsLeavesNoNaN() {
        Tensor mask = f64(new double[] {1, 0}, 2);
        Tensor a = param(2, Double.POSITIVE_INFINITY);
        Tensor b = param(Double.NEGATIVE_INFINITY, 5);
        assertArrayEquals(new double[] {2, 5}, Tensor.where(mask, a, b).toDoubleArray(), 0);
        try (Tape tape = Tape.record()) {
            Tensor[] g = Autograd.grad(Tensor.where(mask, a, b).sum(), a, b);
            assertArrayEquals(new double[] {1, 0}, g[0].toDoubleArray(), 0);
            assertArrayEquals(new double[] {0, 1}, g[1].toDoubleArray(), 0);
        }
    }

    @Test
    void maskedFillWithMinusInfinityBeforeSoftmax() {
        // softmax of [1, -inf, 3] = [1, 0, e²]/(1 + e²); a masked score gets no gradient, the rest a finite one.
        Tensor x = f64(new double[] {1, 2, 3}, 1, 3).requiresGrad(true);
        Tensor mask = f64(new double[] {0, 1, 0}, 3);
        double e2 = Math.exp(2);
        Tensor p = x.maskedFill(mask, Double.NEGATIVE_INFINITY).softmax(1);
        assertArrayEquals(new double[] {1 / (1 + e2), 0, e2 / (1 + e2)}, p.toDoubleArray(), EXACT);
        double[] g = gradOfSum(x, t -> t.maskedFill(mask, Double.NEGATIVE_INFINITY).softmax(1).mul(
                f64(new double[] {1, 5, 0}, 3)));
        double p0 = 1 / (1 + e2);
        // d(p0)/dx0 = p0(1 - p0), d(p0)/dx2 = -p0·p2
        assertArrayEquals(new double[] {p0 * (1 - p0), 0, -p0 * (e2 / (1 + e2))}, g, EXACT);
    }

    @Test
    void masksMustHoldOnlyZerosAndOnes() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.maskedFill(f64(new double[] {0, 0.5}, 2), 1));
        assertTrue(e.getMessage().contains("maskedFill") && e.getMessage().contains("0.5")
                && e.getMessage().contains("0s and 1s"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.maskedFill(f64(new double[] {0, 1, 1}, 3), 1));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.where(Tensor.ones(DType.FLOAT64, 3), x, x));
        assertTrue(e.getMessage().contains("where"), e.getMessage());
    }

    @Test
    void logsumexpIsStableAtTheExtremes() {
        Tensor x = f64(new double[] {1000, 1000, -1000, -1001, 0, Double.NEGATIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 4, 2);
        double[] y = x.logsumexp(1, false).toDoubleArray();
        assertEquals(1000 + Math.log(2), y[0], 1e-9);
        assertEquals(-1000 + Math.log1p(Math.exp(-1)), y[1], 1e-9);
        assertEquals(0, y[2], EXACT);
        assertEquals(Double.NEGATIVE_INFINITY, y[3]);
        Tensor z = param(1000, 1000);
        assertArrayEquals(new double[] {0.5, 0.5}, gradOfSum(z, t -> t.logsumexp(0, true)), EXACT);
    }

    @Test
    void cumsumAndItsReverseAdjoint() {
        Tensor x = param(1, 2, 3, 4);
        assertArrayEquals(new double[] {1, 3, 6, 10}, x.cumsum(0).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {4, 3, 2, 1}, gradOfSum(x, t -> t.cumsum(0)), EXACT);
        Tensor m = f64(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new double[] {1, 2, 3, 5, 7, 9}, m.cumsum(0).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {1, 3, 6, 4, 9, 15}, m.cumsum(-1).toDoubleArray(), EXACT);
    }

    @Test
    void varianceAndStandardDeviation() {
        // [1, 2, 3, 4]: mean 2.5, Σ(x - mean)² = 5
        Tensor x = param(1, 2, 3, 4);
        assertEquals(5.0 / 3, x.var().item(), EXACT);
        assertEquals(1.25, x.var(0, 0, false).item(), EXACT);
        assertEquals(Math.sqrt(5.0 / 3), x.std().item(), EXACT);
        // d var/dx = 2(x - mean)/(n - 1)
        assertArrayEquals(new double[] {-1, -1. / 3, 1. / 3, 1}, gradOfSum(x, Tensor::var), EXACT);
        Tensor m = f64(new double[] {1, 3, 2, 6}, 2, 2);
        assertArrayEquals(new double[] {2, 8}, m.var(1, 1, false).toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {0.25, 2.25}, m.var(0, 0, true).toDoubleArray(), EXACT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> param(7).var());
        assertTrue(e.getMessage().contains("var") && e.getMessage().contains("correction 1"), e.getMessage());
    }

    @Test
    void normsAndTheirSubgradients() {
        Tensor x = param(3, -4);
        assertEquals(7, x.norm(1).item(), EXACT);
        assertEquals(5, x.norm(2).item(), EXACT);
        assertEquals(4, x.norm(Double.POSITIVE_INFINITY).item(), EXACT);
        assertArrayEquals(new double[] {0.6, -0.8}, gradOfSum(x, t -> t.norm(2)), EXACT);
        assertArrayEquals(new double[] {0, 0}, gradOfSum(param(0, 0), t -> t.norm(2)), 0, "0 at the zero vector");
        assertArrayEquals(new double[] {0.5, -0.5}, gradOfSum(param(3, -3), t -> t.norm(Double.POSITIVE_INFINITY)),
                EXACT);
        assertArrayEquals(new double[] {1, 5}, f64(new double[] {1, 0, 3, 4}, 2, 2).norm(2, 1, false)
                .toDoubleArray(), EXACT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.norm(3));
        assertTrue(e.getMessage().contains("p = 3"), e.getMessage());
    }

    @Test
    void cosineSimilarity() {
        Tensor a = f64(new double[] {1, 0, 0, 0}, 2, 2);
        Tensor b = f64(new double[] {1, 1, 1, 1}, 2, 2);
        // row 1 of a is the zero vector: its norm is clamped to eps, so the similarity is 0
        assertArrayEquals(new double[] {1 / Math.sqrt(2), 0}, Tensor.cosineSimilarity(a, b, 1, 1e-8).toDoubleArray(),
                EXACT);
    }

    @Test
    void flipStackAndCat() {
        Tensor x = f64(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new double[] {3, 2, 1, 6, 5, 4}, x.flip(1).toDoubleArray(), 0);
        assertArrayEquals(new double[] {6, 5, 4, 3, 2, 1}, x.flip(0, -1).toDoubleArray(), 0);
        Tensor p = f64(new double[] {1, 2}, 2);
        Tensor q = f64(new double[] {3, 4}, 2);
        assertArrayEquals(new double[] {1, 2, 3, 4}, Tensor.stack(List.of(p, q), 0).toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 3, 2, 4}, Tensor.stack(List.of(p, q), 1).toDoubleArray(), 0);
        assertArrayEquals(new int[] {2, 2}, Tensor.stack(List.of(p, q), -1).shape());
        assertArrayEquals(new double[] {1, 2, 3, 1, 4, 5, 6, 4}, Tensor.cat(List.of(x, x.narrow(1, 0, 1)), -1)
                .toDoubleArray(), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.stack(List.of(p, x), 0));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("cat"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.flip(1, -1));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void activationsAgainstTheirFormulas() {
        Tensor x = f64(new double[] {-1, 0, 0.25, 1}, 4);
        double[] softplus = x.softplus().toDoubleArray();
        assertEquals(Math.log(2), softplus[1], EXACT);
        assertEquals(Math.log1p(Math.E), softplus[3], EXACT);
        double[] beta2 = x.softplus(2, 1).toDoubleArray();
        assertEquals(Math.log1p(Math.exp(0.5)) / 2, beta2[2], EXACT);
        assertEquals(1, beta2[3], 0, "β·x = 2 > threshold 1: the identity");
        assertEquals(0.5 * Math.expm1(-1), x.elu(0.5).toDoubleArray()[0], EXACT);
        assertEquals(1 / (1 + Math.exp(-1)), x.silu().toDoubleArray()[3], EXACT);
        // tanh form at 1: ½(1 + tanh(√(2/π)·1.044715)) = 0.84119... (PyTorch prints 0.8412)
        double tanhForm = 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715));
        assertEquals(tanhForm, x.gelu("tanh").toDoubleArray()[3], EXACT);
        assertEquals(0.8411919906, tanhForm, 1e-9);
        assertEquals(0.8413447461, x.gelu("none").toDoubleArray()[3], 1e-9);
        // x ± x²/2 to the last digit near 0, where e^x - 1 and log(1 + x) lose half their digits (1.00000008e-10)
        assertEquals(1e-10 + 5e-21, Tensor.scalar(DType.FLOAT64, 1e-10).expm1().item(), 1e-25);
        assertEquals(1e-10 - 5e-21, Tensor.scalar(DType.FLOAT64, 1e-10).log1p().item(), 1e-25);
        // hardtanh passes no gradient at its bounds (PyTorch), unlike clamp
        assertArrayEquals(new double[] {0, 1, 0}, gradOfSum(param(-1, 0, 1), t -> t.hardtanh(-1, 1)), 0);
        assertArrayEquals(new double[] {1, 1, 1}, gradOfSum(param(-1, 0, 1), t -> t.clamp(-1, 1)), 0);
        // softplus and elu derivatives: σ(β·x) (1 past the threshold) and y + α below 0
        assertArrayEquals(new double[] {1 / (1 + Math.exp(2)), 0.5, 1}, gradOfSum(param(-1, 0, 1),
                t -> t.softplus(2, 1)), EXACT);
        assertArrayEquals(new double[] {0.5 * Math.exp(-1), 1}, gradOfSum(param(-1, 2), t -> t.elu(0.5)), EXACT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.gelu("erf"));
        assertTrue(e.getMessage().contains("\"tanh\""), e.getMessage());
    }
}
