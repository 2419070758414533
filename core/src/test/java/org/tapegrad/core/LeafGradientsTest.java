package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * While a {@link LeafGradients} collects on a thread, backward puts its leaves' gradients there (through the tape's
 * accumulation and through the products that add straight into a kept gradient) and leaves their {@code grad} alone.
 */
class LeafGradientsTest {
    private final Random rng = new Random(7);
    private final Tensor w1 = Tensor.randn(DType.FLOAT64, rng, 6, 5).requiresGrad(true);
    private final Tensor b1 = Tensor.randn(DType.FLOAT64, rng, 6).requiresGrad(true);
    private final Tensor w2 = Tensor.randn(DType.FLOAT64, rng, 6, 3).requiresGrad(true);
    private final Tensor x = Tensor.randn(DType.FLOAT64, rng, 4, 5);

    /** A linear layer (whose weight and bias gradients go straight to a sink) and a plain product (through the tape). */
    private Tensor loss() {
        Tensor h = Tensor.linear(x, w1, b1).tanh();
        return h.matmul(w2).pow(2).mean().add(w1.pow(2).sum().mul(1e-2)); // w1 is used twice
    }

    private double[][] plainGradients() {
        try (Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        double[][] g = {w1.grad().toDoubleArray(), b1.grad().toDoubleArray(), w2.grad().toDoubleArray()};
        w1.zeroGrad();
        b1.zeroGrad();
        w2.zeroGrad();
        return g;
    }

    @Test
    void backwardAddsIntoTheBuffersAndLeavesGradAlone() {
        double[][] expected = plainGradients();
        LeafGradients collected = new LeafGradients(List.of(w1, b1, w2));
        for (int pass = 1; pass <= 2; pass++) {
            try (Scope c = collected.collect(); Tape tape = Tape.record()) {
                tape.backward(loss());
            }
            assertNull(w1.grad());
            assertNull(b1.grad());
            assertNull(w2.grad());
            for (int i = 0; i < 3; i++) {
                assertTrue(collected.received(i));
                double[] got = collected.gradient(i).toDoubleArray();
                for (int j = 0; j < got.length; j++) {
                    assertClose(pass * expected[i][j], got[j], "leaf " + i + " element " + j + " pass " + pass);
                }
            }
        }
        assertSame(collected.gradient(1), collected.gradient(b1));
    }

    @Test
    void theKeptGradOfAListedLeafIsNotTheSink() {
        double[][] expected = plainGradients();
        w1.setGrad(Tensor.zeros(DType.FLOAT64, 6, 5)); // a kept buffer the linear layer would otherwise add into
        LeafGradients collected = new LeafGradients(List.of(w1, b1, w2));
        try (Scope c = collected.collect(); Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        assertArrayEquals(new double[30], w1.grad().toDoubleArray());
        double[] got = collected.gradient(w1).toDoubleArray();
        for (int j = 0; j < got.length; j++) {
            assertClose(expected[0][j], got[j], "element " + j);
        }
    }

    @Test
    void leavesNotListedGetTheirGradAsUsual() {
        double[][] expected = plainGradients();
        LeafGradients collected = new LeafGradients(List.of(w2));
        try (Scope c = collected.collect(); Tape tape = Tape.record()) {
            tape.backward(loss());
        }
        assertArrayEquals(expected[0], w1.grad().toDoubleArray(), 1e-12);
        assertArrayEquals(expected[1], b1.grad().toDoubleArray(), 1e-12);
        assertNull(w2.grad());
        assertArrayEquals(expected[2], collected.gradient(0).toDoubleArray(), 1e-12);
    }

    @Test
    void zeroClearsWhatWasReceivedAndTheScopeEnds() {
        LeafGradients collected = new LeafGradients(List.of(w1, b1, w2));
        try (Scope c = collected.collect(); Tape tape = Tape.record()) {
            tape.backward(w2.sum().mul(3));
        }
        assertFalse(collected.received(0));
        assertTrue(collected.received(2));
        assertArrayEquals(filled(18, 3),
                collected.gradient(2).toDoubleArray());
        collected.zero();
        assertFalse(collected.received(2));
        assertArrayEquals(new double[18], collected.gradient(2).toDoubleArray());
        try (Tape tape = Tape.record()) { // the collecting scope is closed: grad again
            tape.backward(w2.sum());
        }
        assertArrayEquals(new double[18], collected.gradient(2).toDoubleArray());
        assertArrayEquals(filled(18, 1), w2.grad().toDoubleArray());
    }

    @Test
    void aLeafHookRunsAndItsResultIsCollected() {
        HookHandle h = w2.registerHook(g -> g.mul(2));
        LeafGradients collected = new LeafGradients(List.of(w2));
        try (Scope c = collected.collect(); Tape tape = Tape.record()) {
            tape.backward(w2.sum());
        }
        h.remove();
        assertArrayEquals(filled(18, 2),
                collected.gradient(0).toDoubleArray());
    }

    @Test
    void badLeavesAndNestedScopesAreRefused() {
        IllegalArgumentException notLeaf;
        try (Tape tape = Tape.record()) {
            Tensor y = w1.mul(2);
            notLeaf = assertThrows(IllegalArgumentException.class, () -> new LeafGradients(List.of(y)));
        }
        assertTrue(notLeaf.getMessage().contains("is not a leaf"), notLeaf.getMessage());
        IllegalArgumentException noGrad = assertThrows(IllegalArgumentException.class,
                () -> new LeafGradients(List.of(x)));
        assertTrue(noGrad.getMessage().contains("does not require grad"), noGrad.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> new LeafGradients(List.of(w1, w1)));
        assertTrue(twice.getMessage().contains("listed twice"), twice.getMessage());
        LeafGradients a = new LeafGradients(List.of(w1));
        LeafGradients b = new LeafGradients(List.of(w2));
        try (Scope c = a.collect()) {
            IllegalStateException nested = assertThrows(IllegalStateException.class, b::collect);
            assertTrue(nested.getMessage().contains("already collecting"), nested.getMessage());
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> a.gradient(w2));
        assertTrue(unknown.getMessage().contains("not one of the 1 leaves"), unknown.getMessage());
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Math.abs(expected - actual) > 1e-12 * Math.max(1, Math.abs(expected))) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }
}
