package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.core.TestTensors.f64;

import org.junit.jupiter.api.Test;

/** Small graphs whose gradients are worked out by hand (or by a closed-form chain rule) in the test itself. */
class HandComputedGradientsTest {
    private static final double EXACT = 1e-12;

    private static Tensor param(double... values) {
        return f64(values, values.length).requiresGrad(true);
    }

    @Test
    void diamondSumsBothPaths() {
        // y = x*x + x: x feeds mul twice and add once; dy/dx = 2x + 1 = 7 at x = 3.
        Tensor x = Tensor.scalar(DType.FLOAT64, 3).requiresGrad(true);
        int[] hookCalls = {0};
        x.registerHook(g -> {
            hookCalls[0]++;
            return null;
        });
        try (Tape tape = Tape.record()) {
            Tensor y = x.mul(x).add(x);
            assertEquals(12, y.item(), EXACT);
            tape.backward(y);
        }
        assertEquals(7, x.grad().item(), EXACT);
        assertEquals(1, hookCalls[0], "a leaf's hook sees the summed gradient once");
    }

    @Test
    void tiedWeightGetsBothContributions() {
        // Tied autoencoder: r = (x·W)·Wᵀ, loss = Σ r, with x = [1, 2], W = [[1, 2], [3, 4]].
        // h = [7, 10]; r = [27, 61]; loss 88. dW = xᵀ·(1·W) + 1ᵀ·h = [[4, 6], [8, 12]] + [[7, 10], [7, 10]].
        Tensor x = f64(new double[] {1, 2}, 1, 2);
        Tensor w = f64(new double[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor loss = x.matmul(w).matmul(w.t()).sum();
            assertEquals(88, loss.item(), EXACT);
            tape.backward(loss);
        }
        assertArrayEquals(new double[] {11, 16, 15, 22}, w.grad().toDoubleArray(), EXACT);
    }

    @Test
    void tenOpChain() {
        // a = 3x, b = a + 1, c = b², d = log c, e = 2d, f = e^e, g = √f, h = g - 6, i = tanh h, j = σ(i).
        // g = b², so dg/dx = 2b·3 = 15 at x = 0.5 (b = 2.5), and dj/dx = 15 · (1 - tanh²h) · σ(i)(1 - σ(i)).
        double x0 = 0.5;
        Tensor x = Tensor.scalar(DType.FLOAT64, x0).requiresGrad(true);
        Tensor j;
        try (Tape tape = Tape.record()) {
            j = x.mul(3).add(1).pow(2).log().mul(2).exp().sqrt().sub(6).tanh().sigmoid();
            assertEquals(10, tape.size(), "ten recorded ops");
            tape.backward(j);
        }
        double h = 2.5 * 2.5 - 6;
        double i = Math.tanh(h);
        double s = 1 / (1 + Math.exp(-i));
        assertEquals(s, j.item(), EXACT);
        assertEquals(15 * (1 - i * i) * s * (1 - s), x.grad().item(), 1e-10);
    }

    /**
     * The worked example of the backpropagation texts: 2 inputs, 2 ReLU hidden units, 1 linear output, squared
     * loss. Weights in PyTorch's [out, in] layout. x = [1, 2], W1 = [[0.5, 0.25], [-1, -0.5]], b1 = [0.1, 0.2]:
     * z = [1.1, -1.8], so hidden unit 2 is inactive. W2 = [[0.8, -0.3]], b2 = [0.05]: y = 0.93; target 2;
     * loss (y - t)² = 1.1449. dL/dy = -2.14; dW2 = [[-2.354, 0]]; db2 = [-2.14]; dz = [-1.712, 0];
     * dW1 = [[-1.712, -3.424], [0, 0]] (the inactive unit's row is exactly zero); db1 = [-1.712, 0].
     */
    @Test
    void workedExampleWithAnInactiveReluUnit() {
        Tensor w1 = f64(new double[] {0.5, 0.25, -1, -0.5}, 2, 2).requiresGrad(true);
        Tensor b1 = param(0.1, 0.2);
        Tensor w2 = f64(new double[] {0.8, -0.3}, 1, 2).requiresGrad(true);
        Tensor b2 = param(0.05);
        Tensor[] params = {w1, b1, w2, b2};
        double loss;
        try (Tape tape = Tape.record()) {
            Tensor l = workedExampleLoss(params);
            loss = l.item();
            tape.backward(l);
        }
        assertEquals(1.1449, loss, EXACT);
        assertArrayEquals(new double[] {-1.712, -3.424, 0, 0}, w1.grad().toDoubleArray(), EXACT);
        assertEquals(0.0, w1.grad().get(1, 0), 0.0, "inactive unit: exactly zero");
        assertEquals(0.0, w1.grad().get(1, 1), 0.0, "inactive unit: exactly zero");
        assertArrayEquals(new double[] {-1.712, 0}, b1.grad().toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {-2.354, 0}, w2.grad().toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {-2.14}, b2.grad().toDoubleArray(), EXACT);

        // Moving every parameter by eps changes the loss by eps times the sum of all gradient entries.
        double gradientSum = 0;
        double gradientNormSquared = 0;
        for (Tensor p : params) {
            for (double g : p.grad().toDoubleArray()) {
                gradientSum += g;
                gradientNormSquared += g * g;
            }
        }
        assertEquals(-1.712 - 3.424 - 1.712 - 2.354 - 2.14, gradientSum, 1e-12);
        double eps = 1e-6;
        double shifted = workedExampleLoss(shift(params, eps, null)).item();
        assertEquals(eps * gradientSum, shifted - loss, 1e-4 * Math.abs(eps * gradientSum));

        // One gradient-descent step of size lr lowers the loss by about lr·|g|² (first order in lr).
        double lr = 1e-3;
        double stepped = workedExampleLoss(shift(params, -lr, params)).item();
        double predicted = lr * gradientNormSquared;
        assertTrue(stepped < loss, "the step lowers the loss");
        assertEquals(predicted, loss - stepped, 0.01 * predicted,
                "decrease " + (loss - stepped) + " vs predicted " + predicted);
    }

    private static Tensor workedExampleLoss(Tensor[] p) {
        Tensor x = f64(new double[] {1, 2}, 1, 2);
        Tensor h = Tensor.matmul(x, false, p[0], true).add(p[1]).relu();
        Tensor y = Tensor.matmul(h, false, p[2], true).add(p[3]);
        return y.sub(2).pow(2).sum();
    }

    /** Copies of the parameters moved by step·1 (direction null) or by step·grad. */
    private static Tensor[] shift(Tensor[] params, double step, Tensor[] direction) {
        Tensor[] out = new Tensor[params.length];
        for (int i = 0; i < params.length; i++) {
            Tensor p = params[i].detach();
            out[i] = direction == null ? p.add(step) : p.add(direction[i].grad().mul(step));
        }
        return out;
    }
}
