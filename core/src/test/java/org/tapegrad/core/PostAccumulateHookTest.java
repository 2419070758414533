package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A leaf's post-accumulate hook runs once per plain backward that gives it a gradient, with the tensor the gradient
 * was accumulated into, as soon as the walk has passed the leaf's last use (before the earlier layers' gradients
 * exist) when it has a kept buffer or a collecting one, and at the end of the walk otherwise.
 */
class PostAccumulateHookTest {
    private final Random rng = new Random(11);
    private final Tensor w1 = Tensor.randn(DType.FLOAT64, rng, 5, 6).requiresGrad(true);
    private final Tensor w2 = Tensor.randn(DType.FLOAT64, rng, 6, 3).requiresGrad(true);
    private final Tensor unused = Tensor.randn(DType.FLOAT64, rng, 2).requiresGrad(true);
    private final Tensor x = Tensor.randn(DType.FLOAT64, rng, 4, 5);

    /** w1 is used twice: in the first product and in a penalty recorded after the second product. */
    private Tensor loss() {
        Tensor h = x.matmul(w1).tanh();
        return h.matmul(w2).pow(2).mean().add(w1.pow(2).sum().mul(1e-2));
    }

    private double[][] plainGradients() {
        try (Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        double[][] g = {w1.grad().toDoubleArray(), w2.grad().toDoubleArray()};
        w1.zeroGrad();
        w2.zeroGrad();
        return g;
    }

    @Test
    void aKeptBufferIsReportedCompleteAsSoonAsTheWalkHasPassedTheLeafsLastUse() {
        double[][] expected = plainGradients();
        // kept buffers (zeroGrad(false) after a first backward): the engine adds into them in place
        try (Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        w1.zeroGrad(false);
        w2.zeroGrad(false);
        List<String> calls = new ArrayList<>();
        List<double[]> seen = new ArrayList<>();
        HookHandle h2 = w2.registerPostAccumulateGradHook(g -> {
            assertSame(w2.grad(), g, "the tensor the gradient was added into: w2's kept grad");
            calls.add("w2");
            seen.add(g.toDoubleArray());
            seen.add(w1.grad().toDoubleArray()); // w1's gradient so far
        });
        HookHandle h1 = w1.registerPostAccumulateGradHook(g -> {
            calls.add("w1");
            seen.add(g.toDoubleArray());
        });
        HookHandle h0 = unused.registerPostAccumulateGradHook(g -> calls.add("unused"));
        try (Tape tape = Tape.record()) {
            tape.backward(loss());
            assertEquals(List.of("w2", "w1"), calls, "each leaf that got a gradient, once, within the walk");
        }
        assertArrayEquals(expected[1], seen.get(0), 1e-12);
        assertArrayEquals(expected[0], seen.get(2), 1e-12);
        // w2's last use is the second product: reported before the walk reached the first, so w1's kept buffer held
        // only the penalty's part (2·10^-2·w1), not yet the product's
        double[] w = w1.toDoubleArray();
        for (int j = 0; j < w.length; j++) {
            assertEquals(2e-2 * w[j], seen.get(1)[j], 1e-15, "w1 element " + j + " when w2 was reported");
            assertTrue(Math.abs(expected[0][j] - seen.get(1)[j]) > 1e-9, "the product's part was still missing");
        }
        h0.remove();
        h1.remove();
        h2.remove();
        try (Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        assertEquals(2, calls.size(), "removed hooks are not called");
    }

    @Test
    void underLeafGradientsTheHookGetsTheLeafsBufferAndGradStaysNull() {
        double[][] expected = plainGradients();
        LeafGradients collected = new LeafGradients(List.of(w1, w2));
        List<Tensor> got = new ArrayList<>();
        w1.registerPostAccumulateGradHook(got::add);
        w2.registerPostAccumulateGradHook(got::add);
        try (Scope c = collected.collect(); Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        assertEquals(2, got.size());
        assertSame(collected.gradient(1), got.get(0), "w2 first: its buffer");
        assertSame(collected.gradient(0), got.get(1));
        assertNull(w1.grad());
        assertArrayEquals(expected[0], got.get(1).toDoubleArray(), 1e-12);
    }

    @Test
    void withoutAKeptBufferOrWithAGradientHookTheHookRunsAtTheEndWithTheDeliveredGradient() {
        double[][] expected = plainGradients();
        List<String> calls = new ArrayList<>();
        w2.registerHook(g -> {
            calls.add("w2 gradient hook");
            return g.mul(2);
        });
        w2.registerPostAccumulateGradHook(g -> {
            calls.add("w2 post");
            assertSame(w2.grad(), g);
            assertArrayEquals(times(2, expected[1]), g.toDoubleArray(), 1e-12, "after the gradient hook");
        });
        w1.registerPostAccumulateGradHook(g -> {
            calls.add("w1 post");
            assertSame(w1.grad(), g, "the new grad, null before this backward");
        });
        try (Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        assertEquals(3, calls.size(), calls.toString());
        assertTrue(calls.indexOf("w2 gradient hook") < calls.indexOf("w2 post"), calls.toString());
        assertArrayEquals(expected[0], w1.grad().toDoubleArray(), 1e-12);
    }

    private static double[] times(double k, double[] a) {
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= k;
        }
        return out;
    }

    @Test
    void theFunctionalFormCallsNoPostAccumulateHookAndANonLeafIsRefused() {
        List<Tensor> got = new ArrayList<>();
        w1.registerPostAccumulateGradHook(got::add);
        try (Tape tape = Tape.record()) {
            Tensor l = loss();
            Autograd.grad(l, w1, w2);
        }
        assertTrue(got.isEmpty());
        IllegalStateException e;
        try (Tape tape = Tape.record()) {
            Tensor y = w1.mul(2);
            e = assertThrows(IllegalStateException.class, () -> y.registerPostAccumulateGradHook(g -> { }));
        }
        assertTrue(e.getMessage().contains("is not a leaf"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> x.registerPostAccumulateGradHook(g -> { }));
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }
}
