package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapegrad.core.TestTensors.f64;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Recording scopes, gradient accumulation, retained and dropped gradients, hooks, functional and second-order grads. */
class AutogradSemanticsTest {

    private static Tensor leaf(double... values) {
        return f64(values, values.length).requiresGrad(true);
    }

    @Test
    void nothingIsRecordedOutsideAScope() {
        Tensor x = leaf(1, 2);
        Tensor y = x.mul(2).relu();
        assertFalse(y.requiresGrad());
        assertNull(y.gradFnName());
        assertFalse(Tape.isRecording());
    }

    @Test
    void noGradSuspendsRecordingInsideAScope() {
        Tensor x = leaf(1, 2);
        try (Tape tape = Tape.record()) {
            x.mul(2);
            assertEquals(1, tape.size());
            try (Scope s = Tape.noGrad()) {
                Tensor y = x.mul(3).exp();
                assertFalse(y.requiresGrad());
                assertFalse(Tape.isRecording());
            }
            assertEquals(1, tape.size());
            assertTrue(Tape.isRecording());
        }
    }

    @Test
    void opsOnTensorsThatNeedNoGradientAreNotRecorded() {
        try (Tape tape = Tape.record()) {
            Tensor y = Tensor.ones(DType.FLOAT64, 2, 2).mul(3).sum();
            assertEquals(0, tape.size());
            assertFalse(y.requiresGrad());
        }
    }

    @Test
    void detachStopsTheGradient() {
        Tensor x = leaf(3);
        try (Tape tape = Tape.record()) {
            Tensor y = x.mul(x.detach()).sum(); // d/dx (x · c) = c = 3, not 2x = 6
            tape.backward(y);
        }
        assertEquals(3, x.grad().item(), 0);
    }

    @Test
    void leafGradientsAccumulateUntilZeroed() {
        Tensor x = leaf(1, 2);
        for (int pass = 0; pass < 2; pass++) {
            try (Tape tape = Tape.record()) {
                tape.backward(x.mul(x).sum());
            }
        }
        assertArrayEquals(new double[] {4, 8}, x.grad().toDoubleArray(), 0);
        x.zeroGrad();
        assertNull(x.grad());
        try (Tape tape = Tape.record()) {
            x.mul(3).sum().backward();
        }
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void intermediateGradientsAreDroppedUnlessRetained() {
        Tensor x = leaf(1, -2);
        Tensor h;
        Tensor kept;
        try (Tape tape = Tape.record()) {
            h = x.mul(2);
            kept = x.mul(3).retainGrad();
            tape.backward(h.add(kept).mul(h).sum());
        }
        assertNull(h.grad());
        // loss = (5x)·(2x) = 10x², d loss / d kept = h = 2x.
        assertArrayEquals(new double[] {2, -4}, kept.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {20, -40}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void aConsumedTapeCannotBeWalkedAgain() {
        Tensor x = leaf(1);
        try (Tape tape = Tape.record()) {
            Tensor y = x.exp().sum();
            tape.backward(y);
            assertEquals(0, tape.size(), "the tape releases its nodes after backward");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().contains("already consumed"), e.getMessage());
        }
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = leaf(2);
        try (Tape tape = Tape.record()) {
            Tensor y = x.pow(3).sum();
            tape.backward(y, null, true);
            tape.backward(y);
        }
        assertEquals(2 * 12, x.grad().item(), 1e-12);
    }

    @Test
    void backwardNeedsSomethingToDifferentiate() {
        try (Tape tape = Tape.record()) {
            Tensor c = Tensor.ones(3).sum();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(c));
            assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
            Tensor v = leaf(1, 2).mul(2);
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> tape.backward(v));
            assertTrue(e2.getMessage().contains("[2]") && e2.getMessage().contains("scalar"), e2.getMessage());
        }
    }

    @Test
    void nonScalarOutputTakesAnExplicitUpstreamGradient() {
        Tensor x = leaf(1, 2, 3);
        try (Tape tape = Tape.record()) {
            tape.backward(x.mul(x), f64(new double[] {1, 0, -1}, 3));
        }
        assertArrayEquals(new double[] {2, 0, -6}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void recordingScopesDoNotNest() {
        try (Tape tape = Tape.record()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, Tape::record);
            assertTrue(e.getMessage().contains("already recording"), e.getMessage());
        }
        try (Tape again = Tape.record()) {
            assertTrue(Tape.isRecording(), "closing the first scope allows a new one");
        }
    }

    @Test
    void aTensorFromAReleasedTapeCannotCarryGradientIntoANewOne() {
        Tensor x = leaf(1);
        Tensor h;
        try (Tape tape = Tape.record()) {
            h = x.mul(2);
        }
        try (Tape tape = Tape.record()) {
            Tensor y = h.mul(3).sum();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().contains("released tape"), e.getMessage());
        }
    }

    @Test
    void hooksSeeReplaceAndCanBeRemoved() {
        Tensor x = leaf(1, 2);
        double[] seen = new double[2];
        HookHandle observe = x.registerHook(g -> {
            System.arraycopy(g.toDoubleArray(), 0, seen, 0, 2);
            return null;
        });
        HookHandle doubleIt = x.registerHook(g -> g.mul(2));
        try (Tape tape = Tape.record()) {
            tape.backward(x.mul(x).sum());
        }
        assertArrayEquals(new double[] {2, 4}, seen, 0);
        assertArrayEquals(new double[] {4, 8}, x.grad().toDoubleArray(), 0);
        doubleIt.remove();
        observe.close();
        x.zeroGrad();
        seen[0] = -1;
        try (Tape tape = Tape.record()) {
            tape.backward(x.mul(x).sum());
        }
        assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray(), 0);
        assertEquals(-1, seen[0], "a removed hook is not called");
    }

    @Test
    void hookOnAnIntermediateChangesWhatFlowsBelowIt() {
        Tensor x = leaf(1, 2);
        try (Tape tape = Tape.record()) {
            Tensor h = x.mul(3);
            h.registerHook(g -> g.mul(0));
            tape.backward(h.add(x).sum());
        }
        assertArrayEquals(new double[] {1, 1}, x.grad().toDoubleArray(), 0, "only the path around the hook remains");
    }

    @Test
    void hooksNeedATensorThatRequiresGrad() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Tensor.ones(2).registerHook(g -> g));
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void functionalGradLeavesGradUntouched() {
        Tensor x = leaf(1, 2);
        Tensor unused = leaf(5);
        Tensor[] g;
        try (Tape tape = Tape.record()) {
            g = Autograd.grad(x.pow(3).sum(), x, unused);
        }
        assertArrayEquals(new double[] {3, 12}, g[0].toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0}, g[1].toDoubleArray(), 0, "an unused input gets zeros");
        assertNull(x.grad());
    }

    @Test
    void secondDerivativeOfACube() {
        Tensor x = leaf(1, -2);
        try (Tape tape = Tape.record()) {
            Tensor dy = Autograd.gradWithGraph(x.pow(3).sum(), x)[0];
            assertTrue(dy.requiresGrad(), "the gradient is itself recorded");
            Tensor d2y = Autograd.grad(dy.sum(), x)[0];
            assertArrayEquals(new double[] {6, -12}, d2y.toDoubleArray(), 1e-12);
        }
    }

    @Test
    void hessianVectorProductMatchesFiniteDifferencesOfTheGradient() {
        // f(w) = Σ tanh(x·w)² + Σ softmax(x·w)·c: H·v from a recorded backward vs (∇f(w+εv) - ∇f(w-εv)) / 2ε.
        Random rng = new Random(3);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 4, 3);
        Tensor c = Tensor.randn(DType.FLOAT64, rng, 4, 5);
        Tensor w = Tensor.randn(DType.FLOAT64, rng, 3, 5).requiresGrad(true);
        Tensor v = Tensor.randn(DType.FLOAT64, rng, 3, 5);
        double[] hv;
        try (Tape tape = Tape.record()) {
            Tensor grad = Autograd.gradWithGraph(objective(x, c, w), w)[0];
            hv = Autograd.grad(grad.mul(v).sum(), w)[0].toDoubleArray();
        }
        double eps = 1e-6;
        double[] plus = gradientAt(x, c, w.detach().add(v.mul(eps)));
        double[] minus = gradientAt(x, c, w.detach().sub(v.mul(eps)));
        for (int i = 0; i < hv.length; i++) {
            double numeric = (plus[i] - minus[i]) / (2 * eps);
            assertEquals(numeric, hv[i], 1e-6 + 1e-5 * Math.abs(numeric), "entry " + i);
        }
    }

    private static Tensor objective(Tensor x, Tensor c, Tensor w) {
        Tensor z = x.matmul(w);
        return z.tanh().pow(2).sum().add(z.softmax(1).mul(c).sum());
    }

    private static double[] gradientAt(Tensor x, Tensor c, Tensor w) {
        Tensor p = w.requiresGrad(true);
        try (Tape tape = Tape.record()) {
            return Autograd.grad(objective(x, c, p), p)[0].toDoubleArray();
        }
    }

    @Test
    void gradientsFlowThroughDtypeConversion() {
        Tensor x = leaf(1, 2);
        try (Tape tape = Tape.record()) {
            tape.backward(x.to(DType.FLOAT32).mul(3).sum());
        }
        assertSame(DType.FLOAT64, x.grad().dtype());
        assertArrayEquals(new double[] {3, 3}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void concatOfTensorsWhereOnlySomeNeedGradients() {
        Tensor a = leaf(1, 2);
        Tensor b = f64(new double[] {3}, 1);
        try (Tape tape = Tape.record()) {
            tape.backward(Tensor.concat(List.of(a, b, a), 0).pow(2).sum());
        }
        assertArrayEquals(new double[] {4, 8}, a.grad().toDoubleArray(), 0);
        assertNull(b.grad());
    }

    @Test
    void inPlaceUpdatesAreRefusedWhileRecordingAndDetectedByBackward() {
        Tensor w = leaf(1, 2);
        Tensor x = f64(new double[] {3, 4}, 2);
        try (Tape tape = Tape.record()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.addInPlace(x, 1));
            assertTrue(e.getMessage().contains("while recording"), e.getMessage());
            Tensor y = w.mul(x).sum();
            x.mulInPlace(2); // x was saved by mul for w's gradient
            IllegalStateException stale = assertThrows(IllegalStateException.class, () -> tape.backward(y));
            assertTrue(stale.getMessage().contains("modified in place"), stale.getMessage());
        }
        Tensor v = leaf(1, 1);
        try (Tape tape = Tape.record()) {
            Tensor y = v.mul(v).sum();
            v.float64Matrix().data[0] = 5; // a direct write, as an optimizer makes, declared with markModified
            v.markModified();
            IllegalStateException direct = assertThrows(IllegalStateException.class, () -> tape.backward(y));
            assertTrue(direct.getMessage().contains("modified in place"), direct.getMessage());
        }
        w.addInPlace(f64(new double[] {1, 1}, 2), -0.5); // outside recording: an optimizer step
        assertArrayEquals(new double[] {0.5, 1.5}, w.toDoubleArray(), 0);
        w.fill(7);
        w.copyFrom(Tensor.vector(2f, 3f));
        assertArrayEquals(new double[] {2, 3}, w.toDoubleArray(), 0);
    }

    @Test
    void leafGradientsNeverShareStorageWithEachOtherOrTheSeed() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3, 4);
        Tensor seed = f64(new double[] {1, 1}, 2);
        try (Tape tape = Tape.record()) {
            tape.backward(a.add(b), seed); // add hands the same gradient object to both inputs
        }
        assertTrue(a.grad().float64Matrix().data != b.grad().float64Matrix().data);
        assertTrue(a.grad().float64Matrix().data != seed.float64Matrix().data);
        try (Tape tape = Tape.record()) {
            tape.backward(a.add(b), seed); // accumulates in place: neither the other leaf nor the seed may change
        }
        assertArrayEquals(new double[] {2, 2}, a.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {2, 2}, b.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 1}, seed.toDoubleArray(), 0);
    }
}
