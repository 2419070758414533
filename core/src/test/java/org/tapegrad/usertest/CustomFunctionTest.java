package org.tapegrad.usertest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.AnomalyException;
import org.tapegrad.core.Anomaly;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.CustomFunction;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;

/** Custom differentiable functions written as a user would, outside the library's package. */
class CustomFunctionTest {

    /** softplus(x) = log(1 + e^x), forward over plain arrays; d/dx = σ(x) times {@code factor} (1 when correct). */
    static final class Softplus extends CustomFunction {
        private final double factor;

        Softplus(double factor) {
            this.factor = factor;
        }

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            double[] x = in[0].toDoubleArray();
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = Math.max(x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])));
            }
            return Tensor.of(in[0].dtype(), y, in[0].shape());
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            Tensor d = ctx.saved(0).sigmoid();
            return new Tensor[] {g.mul(factor == 1 ? d : d.mul(factor))};
        }
    }

    /** a·b + c·b element-wise with a scalar c kept as a value; records which gradients backward was asked for. */
    static final class ScaledProduct extends CustomFunction {
        boolean[] askedFor = new boolean[2];

        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0], in[1]);
            ctx.put("c", 0.5);
            return in[0].add(0.5).mul(in[1]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            askedFor = new boolean[] {ctx.needsInputGrad(0), ctx.needsInputGrad(1)};
            double c = ctx.get("c");
            return new Tensor[] {
                    ctx.needsInputGrad(0) ? g.mul(ctx.saved(1)) : null,
                    ctx.needsInputGrad(1) ? g.mul(ctx.saved(0).add(c)) : null};
        }
    }

    private static Tensor x(int n, long seed) {
        Random rng = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 4 * rng.nextDouble() - 2;
        }
        return Tensor.of(DType.FLOAT64, v, n);
    }

    @Test
    void aCorrectSoftplusPassesFirstAndSecondOrderChecks() {
        Tensor x = x(7, 1);
        GradCheck.Report first = GradCheck.check(in -> new Softplus(1).apply(in[0]), x);
        assertEquals(49, first.entries());
        GradCheck.Report second = GradCheck.checkSecondOrder(in -> new Softplus(1).apply(in[0]), x);
        assertEquals(49, second.entries());
    }

    @Test
    void aWrongSoftplusFailsAndTheReportNamesTheWorstElement() {
        Tensor x = x(7, 2);
        GradCheck.GradCheckFailure e = assertThrows(GradCheck.GradCheckFailure.class,
                () -> GradCheck.check(in -> new Softplus(1.5).apply(in[0]), x));
        // The error 0.5·σ(x) against the allowed 1e-5 + 1e-3·σ(x) is largest where x is largest.
        double[] v = x.toDoubleArray();
        int largest = 0;
        for (int i = 1; i < v.length; i++) {
            largest = v[i] > v[largest] ? i : largest;
        }
        assertEquals(0, e.input());
        assertArrayEquals(new int[] {largest}, e.index());
        assertEquals(largest, e.outputElement(), "on the diagonal of the Jacobian");
        double sigma = 1 / (1 + Math.exp(-v[largest]));
        assertEquals(sigma, e.numeric(), 1e-8);
        assertEquals(1.5 * sigma, e.analytic(), 1e-12);
        assertTrue(e.getMessage().contains("input 0 element [" + largest + "]"), e.getMessage());
    }

    /** Softplus whose backward computes σ(x) from arrays: right values, but not differentiable again. */
    static final class ArraySoftplus extends CustomFunction {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return in[0].exp().add(1).log();
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            double[] x = ctx.saved(0).toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                x[i] = 1 / (1 + Math.exp(-x[i]));
            }
            return new Tensor[] {g.mul(Tensor.of(DType.FLOAT64, x, x.length))};
        }
    }

    @Test
    void aBackwardOutsideTensorOpsPassesFirstOrderAndFailsSecondOrder() {
        Tensor x = x(5, 13);
        GradCheck.check(in -> new ArraySoftplus().apply(in[0]), x);
        GradCheck.GradCheckFailure e = assertThrows(GradCheck.GradCheckFailure.class,
                () -> GradCheck.checkSecondOrder(in -> new ArraySoftplus().apply(in[0]), x));
        assertEquals(0, e.analytic(), "the recorded backward does not depend on x");
    }

    @Test
    void aWrongHookBasedRuleNoLongerPasses() {
        // The only way to fake a custom gradient before custom functions: a hook that rewrites it. The hook runs in
        // Autograd.grad (which GradCheck uses) as it does in tape.backward, so the wrong rule is caught.
        GradCheck.GradCheckFailure e = assertThrows(GradCheck.GradCheckFailure.class, () -> GradCheck.check(in -> {
            Tensor h = in[0].mul(1);
            if (h.requiresGrad()) {
                h.registerHook(g -> g.mul(2));
            }
            return h.tanh().sum();
        }, x(5, 3)));
        assertEquals(2, e.analytic() / e.numeric(), 1e-6);
    }

    @Test
    void hooksRunInTheFunctionalFormOnIntermediatesAndLeaves() {
        Tensor x = x(4, 4).requiresGrad(true);
        int[] calls = new int[1];
        x.registerHook(g -> {
            calls[0]++;
            return g.mul(3);
        });
        try (Tape tape = Tape.record()) {
            Tensor h = x.mul(2);
            h.registerHook(g -> {
                calls[0]++;
                return null;
            });
            Tensor dx = Autograd.grad(h.sum(), x)[0];
            assertArrayEquals(new double[] {6, 6, 6, 6}, dx.toDoubleArray(), 1e-15);
        }
        assertEquals(2, calls[0]);
    }

    @Test
    void backwardMatchesTheComposedOpUnderTapeBackwardAndInAnomalyMode() {
        Tensor x = x(6, 5).requiresGrad(true);
        double[] expected;
        try (Tape tape = Tape.record()) {
            Tensor y = x.exp().add(1).log().mul(x).sum();
            tape.backward(y);
            expected = x.grad().toDoubleArray();
        }
        for (boolean anomaly : new boolean[] {false, true}) {
            x.zeroGrad();
            try (Scope a = anomaly ? Anomaly.detect() : null; Tape tape = Tape.record()) {
                Tensor y = new Softplus(1).apply(x);
                assertEquals("Softplus", y.gradFnName());
                tape.backward(y.mul(x).sum());
            }
            assertArrayEquals(expected, x.grad().toDoubleArray(), 1e-12, "anomaly " + anomaly);
        }
    }

    @Test
    void insideAWorkspaceStep() {
        Tensor x = x(6, 6).to(DType.FLOAT32).requiresGrad(true);
        Workspace workspace = new Workspace();
        double[] first = null;
        for (int step = 0; step < 3; step++) { // later steps run on the storage of the earlier ones
            x.zeroGrad(false);
            try (Scope s = workspace.enter(); Tape tape = Tape.record()) {
                tape.backward(new Softplus(1).apply(x.mul(2)).sum());
            }
            double[] g = x.grad().toDoubleArray();
            if (first == null) {
                first = g;
            }
            assertArrayEquals(first, g, 0);
        }
        double[] v = x.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(2 / (1 + Math.exp(-2 * v[i])), first[i], 1e-6);
        }
    }

    @Test
    void backwardIsToldWhichInputsNeedAGradient() {
        Tensor a = x(3, 7).requiresGrad(true);
        Tensor b = x(3, 8);
        ScaledProduct f = new ScaledProduct();
        try (Tape tape = Tape.record()) {
            tape.backward(f.apply(a, b).sum());
        }
        assertArrayEquals(new boolean[] {true, false}, f.askedFor);
        assertArrayEquals(b.toDoubleArray(), a.grad().toDoubleArray(), 0);
        // Autograd.grad asks only for what it returns
        Tensor b2 = b.detach().copy().requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor db = Autograd.grad(f.apply(a, b2).sum(), b2)[0];
            assertArrayEquals(new boolean[] {false, true}, f.askedFor);
            double[] av = a.toDoubleArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(av[i] + 0.5, db.toDoubleArray()[i], 1e-15);
            }
        }
        GradCheck.check(in -> new ScaledProduct().apply(in[0], in[1]), x(3, 9), x(3, 10));
        GradCheck.checkSecondOrder(in -> new ScaledProduct().apply(in[0], in[1]), x(3, 9), x(3, 10));
    }

    /** e^x, saving its output for backward (as the built-in exp does). */
    static final class Exp extends CustomFunction {
        @Override
        protected Tensor forward(Context ctx, Tensor... in) {
            Tensor y = in[0].exp();
            ctx.saveForBackward(y);
            return y;
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g.mul(ctx.saved(0))};
        }
    }

    @Test
    void aSavedTensorModifiedInPlaceIsRefused() {
        Tensor x = x(3, 11).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor y = new Exp().apply(x); // backward from y itself: no other op saw y
            Tensor ones = Tensor.ones(DType.FLOAT64, 3);
            tape.backward(y, ones, true);
            assertArrayEquals(y.toDoubleArray(), x.grad().toDoubleArray(), 1e-15);
            try (Scope n = Tape.noGrad()) {
                y.mulInPlace(2); // the output forward saved
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(y, ones));
            assertTrue(e.getMessage().startsWith("backward of Exp: saved tensor 0 [3] was modified in place"),
                    e.getMessage());
        }
    }

    @Test
    void mistakesAreNamed() {
        CustomFunction wrongCount = new CustomFunction() {
            @Override
            protected Tensor forward(Context ctx, Tensor... in) {
                return in[0].mul(2);
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor g) {
                return new Tensor[] {g, g};
            }
        };
        Tensor x = x(3, 12).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor y = wrongCount.apply(x).sum();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().contains("CustomFunction.backward returned 2 gradients for 1 inputs"),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Softplus(1).apply());
        CustomFunction nan = new Softplus(Double.NaN);
        try (Scope a = Anomaly.detect(); Tape tape = Tape.record()) {
            Tensor y = nan.apply(x).sum();
            AnomalyException e = assertThrows(AnomalyException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().startsWith("backward of Softplus produced"), e.getMessage());
            assertTrue(e.getMessage().contains("CustomFunctionTest"), "names the user's line: " + e.getMessage());
        }
    }
}
