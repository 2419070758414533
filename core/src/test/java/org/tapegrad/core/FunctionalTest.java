package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.core.TestTensors.f64;

import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Functional derivatives against Jacobians and Hessians worked out analytically, in float64. */
class FunctionalTest {
    private static final double EXACT = 1e-12;

    /** sin, elementwise, with cos as its derivative (and -sin as cos's), so it can be differentiated twice. */
    static final class Sin extends CustomFunction {
        private final boolean cos;

        Sin(boolean cos) {
            this.cos = cos;
        }

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            double[] v = in[0].toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                v[i] = cos ? Math.cos(v[i]) : Math.sin(v[i]);
            }
            return Tensor.of(in[0].dtype(), v, in[0].shape());
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            Tensor d = (cos ? SIN : COS).apply(ctx.saved(0));
            return new Tensor[] {cos ? g.mul(d).neg() : g.mul(d)};
        }

        @Override
        protected Tensor jvp(Context ctx, Tensor... t) {
            return backward(ctx, t[0])[0]; // element-wise: the Jacobian is diagonal, so J·t = Jᵀ·t
        }
    }

    static final CustomFunction SIN = new Sin(false);
    static final CustomFunction COS = new Sin(true);

    private static Tensor vec(double... v) {
        return f64(v, v.length);
    }

    /** A·x for A [m, n] and x [n]. */
    private static Tensor matVec(Tensor a, Tensor x) {
        return a.matmul(x.reshape(x.numel(), 1)).reshape(a.size(0));
    }

    private static final Tensor A = f64(new double[][] {{1, -2, 3}, {0.5, 4, -1}});
    private static final Tensor X = vec(0.3, -1.2, 2.0);

    @Test
    void jacobianOfLinearMapIsTheMatrixAndOfTheMatrixArgumentIsTheInput() {
        Tensor[] j = Functional.jacobian(in -> matVec(in[0], in[1]), A, X);
        assertArrayEquals(A.toDoubleArray(), j[1].toDoubleArray(), EXACT);
        assertArrayEquals(new int[] {2, 3}, j[1].shape());
        // ∂(Ax)_o/∂A_ab = δ_oa·x_b: shape [2, 2, 3]
        assertArrayEquals(new int[] {2, 2, 3}, j[0].shape());
        for (int o = 0; o < 2; o++) {
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 3; b++) {
                    assertEquals(o == a ? X.get(b) : 0, j[0].get(o, a, b), EXACT);
                }
            }
        }
    }

    @Test
    void forwardAndReverseJacobiansAgreeAndCostWhatTheModesPromise() {
        int[] calls = {0};
        Function<Tensor[], Tensor> f = in -> {
            calls[0]++;
            return matVec(in[0], in[1]).mul(SIN.apply(in[1]).sum()); // R^(2·3) × R^3 → R^2
        };
        Tensor[] reverse = Functional.jacobian(f, new Tensor[] {A, X}, Functional.Mode.REVERSE);
        assertEquals(1, calls[0], "reverse mode: one evaluation, then one backward pass per output element");
        calls[0] = 0;
        Tensor[] forward = Functional.jacobian(f, new Tensor[] {A, X}, Functional.Mode.FORWARD);
        assertEquals(A.numel() + X.numel(), calls[0], "forward mode: one pass per input element");
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(reverse[i].shape(), forward[i].shape());
            assertArrayEquals(reverse[i].toDoubleArray(), forward[i].toDoubleArray(), EXACT);
        }
        calls[0] = 0;
        Functional.jacobian(f, new Tensor[] {A, X}, Functional.Mode.AUTO); // 9 inputs, 2 outputs: reverse
        assertEquals(2, calls[0], "AUTO: one evaluation for the sizes, then reverse mode's one");
        calls[0] = 0;
        Function<Tensor[], Tensor> g = in -> {
            calls[0]++;
            return A.mul(in[0]); // R → R^(2·3)
        };
        Tensor[] auto = Functional.jacobian(g, new Tensor[] {Tensor.scalar(DType.FLOAT64, 0.7)}, Functional.Mode.AUTO);
        assertEquals(2, calls[0], "AUTO: one evaluation for the sizes, then forward mode's one pass");
        assertArrayEquals(A.toDoubleArray(), auto[0].toDoubleArray(), EXACT);
    }

    @Test
    void jacobianAndHessianOfXSinX() {
        Function<Tensor[], Tensor> f = in -> in[0].mul(SIN.apply(in[0]));
        Tensor[] j = Functional.jacobian(f, X);
        Tensor[][] h = Functional.hessian(in -> f.apply(in).sum(), X);
        for (int a = 0; a < 3; a++) {
            double x = X.get(a);
            for (int b = 0; b < 3; b++) {
                assertEquals(a == b ? Math.sin(x) + x * Math.cos(x) : 0, j[0].get(a, b), EXACT);
                assertEquals(a == b ? 2 * Math.cos(x) - x * Math.sin(x) : 0, h[0][0].get(a, b), EXACT);
            }
        }
    }

    @Test
    void hessianOfQuadraticFormIsMPlusMTransposed() {
        Tensor m = f64(new double[][] {{2, 1, 0}, {-3, 1, 4}, {0.5, 0, -2}});
        Tensor[][] h = Functional.hessian(in -> in[0].reshape(1, 3).matmul(m).matmul(in[0].reshape(3, 1)), X);
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                assertEquals(m.get(a, b) + m.get(b, a), h[0][0].get(a, b), EXACT);
            }
        }
    }

    /** A 2-3-1 tanh network's mean squared error on fixed data, as a function of (W1, b1, W2). */
    private static final Tensor DATA = f64(new double[][] {{0.5, -1}, {1.5, 0.2}, {-0.7, 0.9}, {0.1, 0.4}});
    private static final Tensor TARGET = f64(new double[][] {{1}, {-0.5}, {0.3}, {0}});

    private static Tensor mlpLoss(Tensor[] p) {
        Tensor hidden = Tensor.linear(DATA, p[0], p[1]).tanh();
        return Tensor.linear(hidden, p[2], null).sub(TARGET).pow(2).mean();
    }

    private static Tensor[] mlpParams() {
        Random rng = new Random(7);
        return new Tensor[] {Tensor.randn(DType.FLOAT64, rng, 3, 2), Tensor.randn(DType.FLOAT64, rng, 3),
                Tensor.randn(DType.FLOAT64, rng, 1, 3)};
    }

    private static double[] flatGradient(Tensor[] p) {
        Tensor[] g = Functional.vjp(FunctionalTest::mlpLoss, p).product();
        double[] flat = new double[12];
        int k = 0;
        for (Tensor gi : g) {
            for (double v : gi.toDoubleArray()) {
                flat[k++] = v;
            }
        }
        return flat;
    }

    /** The 12 x 12 Hessian of the MLP loss assembled from its blocks, row = first parameter element. */
    private static double[][] assemble(Tensor[][] h, Tensor[] p) {
        double[][] full = new double[12][12];
        int row = 0;
        for (int i = 0; i < p.length; i++) {
            int ni = p[i].numel();
            int col = 0;
            for (int j = 0; j < p.length; j++) {
                int nj = p[j].numel();
                double[] block = h[i][j].toDoubleArray();
                assertEquals(ni * nj, block.length);
                for (int a = 0; a < ni; a++) {
                    for (int b = 0; b < nj; b++) {
                        full[row + a][col + b] = block[a * nj + b];
                    }
                }
                col += nj;
            }
            row += ni;
        }
        return full;
    }

    @Test
    void mlpHessianAgreesWithFiniteDifferencesOfTheGradientAndIsSymmetric() {
        Tensor[] p = mlpParams();
        Tensor[][] h = Functional.hessian(FunctionalTest::mlpLoss, p);
        assertArrayEquals(new int[] {3, 2, 1, 3}, h[0][2].shape());
        double[][] full = assemble(h, p);
        double eps = 1e-5;
        int col = 0;
        for (Tensor pi : p) {
            double[] values = pi.toDoubleArray();
            for (int e = 0; e < values.length; e++, col++) {
                double[] plus = values.clone();
                double[] minus = values.clone();
                plus[e] += eps;
                minus[e] -= eps;
                Tensor keep = pi.copy();
                pi.copyFrom(Tensor.of(pi.dtype(), plus, pi.shape()));
                double[] gPlus = flatGradient(p);
                pi.copyFrom(Tensor.of(pi.dtype(), minus, pi.shape()));
                double[] gMinus = flatGradient(p);
                pi.copyFrom(keep);
                for (int r = 0; r < 12; r++) {
                    double fd = (gPlus[r] - gMinus[r]) / (2 * eps);
                    assertEquals(fd, full[r][col], 1e-7 * (1 + Math.abs(fd)), "H[" + r + "][" + col + "]");
                }
            }
        }
        double largest = 0;
        for (int r = 0; r < 12; r++) {
            for (int c = 0; c < 12; c++) {
                assertEquals(full[r][c], full[c][r], EXACT, "symmetry at " + r + ", " + c);
                largest = Math.max(largest, Math.abs(full[r][c]));
            }
        }
        assertTrue(largest > 0.1, "a Hessian of zeros would pass the symmetry check");
    }

    @Test
    void hvpIsHessianTimesVAndVhpIsVTransposedTimesHessian() {
        Tensor[] p = mlpParams();
        double[][] full = assemble(Functional.hessian(FunctionalTest::mlpLoss, p), p);
        Random rng = new Random(3);
        Tensor[] v = {Tensor.randn(DType.FLOAT64, rng, 3, 2), Tensor.randn(DType.FLOAT64, rng, 3),
                Tensor.randn(DType.FLOAT64, rng, 1, 3)};
        double[] flatV = concat(v);
        double[] hv = new double[12];
        double[] vh = new double[12];
        for (int r = 0; r < 12; r++) {
            for (int c = 0; c < 12; c++) {
                hv[r] += full[r][c] * flatV[c];
                vh[c] += flatV[r] * full[r][c];
            }
        }
        Functional.Result hvp = Functional.hvp(FunctionalTest::mlpLoss, p, v, false);
        Functional.Result vhp = Functional.vhp(FunctionalTest::mlpLoss, p, v, false);
        assertArrayEquals(hv, concat(hvp.product()), EXACT);
        assertArrayEquals(vh, concat(vhp.product()), EXACT);
        assertEquals(mlpLoss(p).item(), hvp.output().item(), EXACT);
        assertEquals(mlpLoss(p).item(), vhp.output().item(), EXACT);
    }

    private static double[] concat(Tensor[] parts) {
        return java.util.Arrays.stream(parts).flatMapToDouble(t -> java.util.Arrays.stream(t.toDoubleArray())).toArray();
    }

    /**
     * A function whose backward is deliberately not its true derivative: it claims the gradient (x1, 0) for
     * x = (x0, x1), whose Jacobian [[0, 1], [0, 0]] is not symmetric. hvp must give J·v = (v1, 0) and vhp
     * vᵀ·J = (0, v0): an hvp computed as a vhp (or the other way round) would fail.
     */
    static final class Skewed extends CustomFunction {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return Tensor.scalar(DType.FLOAT64, in[0].get(0) * in[0].get(1));
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            Tensor x = ctx.saved(0);
            Tensor first = x.narrow(0, 1, 1).mul(g.reshape(1));
            return new Tensor[] {Tensor.concat(java.util.List.of(first, first.mul(0)), 0)};
        }
    }

    @Test
    void hvpAndVhpDifferWhereTheHessianIsNotSymmetric() {
        CustomFunction skewed = new Skewed();
        Tensor[] x = {vec(2, 3)};
        Tensor[] v = {vec(5, 7)};
        assertArrayEquals(new double[] {7, 0}, Functional.hvp(in -> skewed.apply(in[0]), x, v, false).product()[0]
                .toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {0, 5}, Functional.vhp(in -> skewed.apply(in[0]), x, v, false).product()[0]
                .toDoubleArray(), EXACT);
        assertArrayEquals(new double[] {0, 1, 0, 0},
                Functional.hessian(in -> skewed.apply(in[0]), x)[0][0].toDoubleArray(), EXACT);
    }

    @Test
    void vjpAndJvpAreTheTwoProductsWithTheJacobian() {
        Tensor u = vec(1.5, -2);
        Functional.Result vjp = Functional.vjp(in -> matVec(A, in[0]), new Tensor[] {X}, u, false);
        // uᵀ·A
        assertArrayEquals(new double[] {1.5 - 1, -3 - 8, 4.5 + 2}, vjp.product()[0].toDoubleArray(), EXACT);
        assertArrayEquals(matVec(A, X).toDoubleArray(), vjp.output().toDoubleArray(), EXACT);

        Tensor t = vec(1, 0.5, -2);
        Functional.JvpResult jvp = Functional.jvp(in -> matVec(in[0], in[1]), new Tensor[] {A, X},
                new Tensor[] {Tensor.zeros(DType.FLOAT64, 2, 3), t}, false);
        assertArrayEquals(matVec(A, t).toDoubleArray(), jvp.jvp().toDoubleArray(), EXACT);

        // Both tangents at once: d(Ax) = dA·x + A·dx
        Tensor dA = f64(new double[][] {{0, 1, 0}, {2, 0, -1}});
        Functional.JvpResult both = Functional.jvp(in -> matVec(in[0], in[1]), new Tensor[] {A, X},
                new Tensor[] {dA, t}, false);
        assertArrayEquals(matVec(dA, X).add(matVec(A, t)).toDoubleArray(), both.jvp().toDoubleArray(), EXACT);

        Functional.JvpResult sin = Functional.jvp(in -> in[0].mul(SIN.apply(in[0])), new Tensor[] {X},
                new Tensor[] {t}, false);
        for (int a = 0; a < 3; a++) {
            double x = X.get(a);
            assertEquals((Math.sin(x) + x * Math.cos(x)) * t.get(a), sin.jvp().get(a), EXACT);
        }
    }

    @Test
    void theSameTensorPassedTwiceIsTwoArguments() {
        Tensor[] j = Functional.jacobian(in -> in[0].mul(in[1]), X, X);
        for (int a = 0; a < 3; a++) {
            assertEquals(X.get(a), j[0].get(a, a), EXACT, "∂(a·b)/∂a = b, not 2x");
            assertEquals(X.get(a), j[1].get(a, a), EXACT);
        }
    }

    @Test
    void anInputTheOutputIgnoresGetsZeros() {
        Tensor y = vec(1, 2);
        Tensor[] j = Functional.jacobian(in -> in[0].mul(2), X, y);
        assertArrayEquals(new int[] {3, 2}, j[1].shape());
        assertArrayEquals(new double[6], j[1].toDoubleArray(), 0);
        Tensor[][] h = Functional.hessian(in -> in[0].sum(), X);
        assertArrayEquals(new double[9], h[0][0].toDoubleArray(), 0, "a linear function has no curvature");
        Functional.JvpResult constant = Functional.jvp(in -> Tensor.ones(DType.FLOAT64, 2),
                new Tensor[] {X}, new Tensor[] {X}, false);
        assertArrayEquals(new double[2], constant.jvp().toDoubleArray(), 0);
    }

    @Test
    void withoutCreateGraphTheCallersTapeAndGradsAreLeftAlone() {
        Tensor w = vec(1, 2, 3).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor y = w.mul(w).sum();
            int recorded = tape.size();
            Tensor[] j = Functional.jacobian(in -> in[0].mul(w), X);
            assertEquals(w.get(1), j[0].get(1, 1), EXACT);
            assertEquals(recorded, tape.size(), "nothing of the jacobian is recorded on the caller's tape");
            assertNull(w.grad(), "a tensor f uses gets no grad");
            assertTrue(Tape.isRecording(), "the caller's recording goes on");
            tape.backward(y);
        }
        assertArrayEquals(new double[] {2, 4, 6}, w.grad().toDoubleArray(), EXACT);
        try (Scope off = Tape.noGrad()) {
            assertEquals(1, Functional.vjp(in -> in[0].sum(), X).product()[0].get(0), EXACT,
                    "f is recorded even under noGrad, as torch's enable_grad");
            assertFalse(Tape.isRecording());
        }
    }

    @Test
    void createGraphGivesDerivativesThatCanBeDifferentiatedAgain() {
        Tensor x = vec(0.5, -1, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Functional.Result r = Functional.vjp(in -> in[0].pow(3).sum(), new Tensor[] {x}, null, true);
            assertTrue(r.output().requiresGrad());
            Tensor second = Autograd.grad(r.product()[0].sum(), x)[0]; // d/dx Σ 3x² = 6x
            assertArrayEquals(new double[] {3, -6, 12}, second.toDoubleArray(), EXACT);
        }
        try (Tape tape = Tape.record()) {
            // The Hessian of Σ x⁴ is diag(12x²); its trace's gradient is 24x.
            Tensor h = Functional.hessian(in -> in[0].pow(4).sum(), new Tensor[] {x}, true)[0][0];
            Tensor trace = h.mul(f64(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})).sum();
            assertArrayEquals(new double[] {12, -24, 48}, Autograd.grad(trace, x)[0].toDoubleArray(), EXACT);
        }
        try (Tape tape = Tape.record()) {
            // J·v of x ↦ x² is 2x⊙v; d/dx of its sum is 2v.
            Tensor v = vec(1, 2, 3);
            Tensor jv = Functional.jvp(in -> in[0].mul(in[0]), new Tensor[] {x}, new Tensor[] {v}, true).jvp();
            assertArrayEquals(new double[] {2, 4, 6}, Autograd.grad(jv.sum(), x)[0].toDoubleArray(), EXACT);
        }
    }

    @Test
    void errorsNameWhatIsWrong() {
        Function<Tensor[], Tensor> f = in -> matVec(A, in[0]);
        IllegalArgumentException noV = assertThrows(IllegalArgumentException.class, () -> Functional.vjp(f, X));
        assertTrue(noV.getMessage().contains("vjp: v is null") && noV.getMessage().contains("[2]"), noV.getMessage());
        IllegalArgumentException badV = assertThrows(IllegalArgumentException.class,
                () -> Functional.vjp(f, new Tensor[] {X}, vec(1, 2, 3), false));
        assertTrue(badV.getMessage().contains("v is [3] float64 but f's output is [2] float64"), badV.getMessage());
        IllegalArgumentException notScalar = assertThrows(IllegalArgumentException.class,
                () -> Functional.hessian(f, X));
        assertTrue(notScalar.getMessage().contains("hessian: f must return a single-element tensor, got shape [2]"),
                notScalar.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> Functional.jvp(f, new Tensor[] {X}, new Tensor[] {X, X}, false));
        assertTrue(count.getMessage().contains("jvp: 2 vectors v for 1 inputs"), count.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> Functional.hvp(in -> in[0].sum(), new Tensor[] {X}, new Tensor[] {vec(1, 2)}, false));
        assertTrue(shape.getMessage().contains("hvp: v[0] is [2] float64 but input 0 is [3] float64"),
                shape.getMessage());
        IllegalStateException outside = assertThrows(IllegalStateException.class,
                () -> Functional.jacobian(f, new Tensor[] {X}, true));
        assertTrue(outside.getMessage().contains("inside Tape.record()"), outside.getMessage());
    }
}
