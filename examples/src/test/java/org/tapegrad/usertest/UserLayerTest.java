package org.tapegrad.usertest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.monitor.Diagnostic.Kind;
import org.tapegrad.monitor.GradientMonitor;
import org.tapegrad.monitor.StepRecord;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;

/** Layers with several inputs and frozen layers, written outside the library's packages as a user would. */
class UserLayerTest {

    /**
     * Single-head scaled dot-product attention over one sequence, [T, d] each:
     * softmax((q·Wq)(k·Wk)ᵀ/√d + mask)·(v·Wv), the mask additive ([T, T], or null for none).
     */
    static final class Attention extends Layer {
        private final Linear wq;
        private final Linear wk;
        private final Linear wv;
        private final int d;

        Attention(int d, Random rng, DType dtype) {
            this.d = d;
            wq = registerModule("q_proj", new Linear(d, d, false, rng, dtype));
            wk = registerModule("k_proj", new Linear(d, d, false, rng, dtype));
            wv = registerModule("v_proj", new Linear(d, d, false, rng, dtype));
        }

        @Override
        public Tensor forward(Tensor x) {
            return forward(x, x, x, null); // self-attention
        }

        @Override
        public Tensor forward(Tensor... in) {
            if (in.length < 3 || in.length > 4) {
                throw new IllegalArgumentException("Attention takes q, k, v and an optional mask, got " + in.length);
            }
            Tensor scores = Tensor.matmul(wq.call(in[0]), false, wk.call(in[1]), true).mul(1 / Math.sqrt(d));
            if (in.length == 4 && in[3] != null) {
                scores = scores.add(in[3]);
            }
            return scores.softmax(-1).matmul(wv.call(in[2]));
        }
    }

    private static Tensor randn(Random rng, int... shape) {
        return Tensor.randn(DType.FLOAT64, rng, shape);
    }

    @Test
    void aLayerWithQueryKeyValueAndMaskIsCalledWithHooksAndDifferentiates() {
        Random rng = new Random(3);
        Attention attention = new Attention(4, rng, DType.FLOAT64);
        Tensor q = randn(rng, 3, 4).requiresGrad(true);
        Tensor k = randn(rng, 5, 4).requiresGrad(true);
        Tensor v = randn(rng, 5, 4).requiresGrad(true);
        double[] m = new double[15];
        for (int i = 0; i < 3; i++) {
            m[i * 5 + 4] = -1e9; // no query attends to the last key
        }
        Tensor mask = Tensor.of(DType.FLOAT64, m, 3, 5);

        List<Tensor> seen = new ArrayList<>();
        attention.registerForwardHook((layer, input, output) -> {
            seen.add(input);
            return null;
        });
        Tensor out = attention.call(q, k, v, mask);
        assertArrayEquals(new int[] {3, 4}, out.shape());
        assertEquals(1, seen.size());
        assertSame(q, seen.get(0), "hooks see the first input");

        // The masked key's value does not reach the output.
        Tensor v2 = v.detach().copy();
        v2.float64Matrix().data[4 * 4] += 100;
        assertArrayEquals(out.toDoubleArray(), attention.call(q, k, v2, mask).toDoubleArray(), 1e-12);

        GradCheck.check(x -> attention.call(x[0], x[1], x[2], mask).sum(), q, k, v);
        GradCheck.check(x -> attention.call(x[0]).pow(2).sum(), q);
        assertThrows(IllegalArgumentException.class, () -> attention.call(q, k));
    }

    @Test
    void aOneInputLayerRefusesSeveralInputs() {
        Linear linear = new Linear(2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> linear.call(Tensor.zeros(1, 2), Tensor.zeros(1, 2)));
        assertTrue(e.getMessage().contains("Linear takes one input, got 2"), e.getMessage());
    }

    @Test
    void aFrozenLayerGetsNoGradientNoUpdateAndNoVerdict() {
        Random rng = new Random(5);
        Sequential model = new Sequential(new Linear(6, 8, rng), new Relu(), new Linear(8, 3, rng));
        Layer frozen = model.get(0);
        double[] frozenBefore = frozen.parameters().get(0).toDoubleArray();
        double[] trainedBefore = model.get(2).parameters().get(0).toDoubleArray();

        var optimizer = new org.tapegrad.optim.Sgd(model.parameters(), org.tapegrad.optim.Sgd.Options.of(0.5));
        try (GradientMonitor monitor = GradientMonitor.attach(model, 1)) {
            for (int step = 0; step < 3; step++) {
                Tensor x = Tensor.randn(rng, 16, 6);
                int[] labels = new int[16];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = rng.nextInt(3);
                }
                double loss;
                try (Tape tape = Tape.record()) {
                    Tensor l = Losses.crossEntropy(model.call(x), labels);
                    tape.backward(l);
                    loss = l.item();
                }
                if (step == 0) {
                    // Frozen between backward and step: the gradient it holds is dropped.
                    assertNotNull(frozen.parameters().get(0).grad());
                    assertSame(frozen, frozen.requiresGrad(false));
                    for (Tensor p : frozen.parameters()) {
                        assertFalse(p.requiresGrad());
                        assertNull(p.grad());
                    }
                } else {
                    assertNull(frozen.parameters().get(0).grad(), "no gradient for a frozen parameter");
                }
                monitor.beforeStep();
                optimizer.step();
                monitor.afterStep(loss);
                optimizer.zeroGrad();
            }
            for (StepRecord r : monitor.records()) {
                assertNull(r.param("0.weight").grad(), "the monitor has no statistics for a frozen parameter");
                assertNotNull(r.param("2.weight").grad());
            }
            assertFalse(monitor.flagged(Kind.VANISHING, "0"), "a frozen layer is not vanishing");
        }
        assertArrayEquals(frozenBefore, frozen.parameters().get(0).toDoubleArray());
        assertFalse(java.util.Arrays.equals(trainedBefore, model.get(2).parameters().get(0).toDoubleArray()));

        frozen.requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(model.call(Tensor.ones(2, 6)).sum());
        }
        assertNotNull(frozen.parameters().get(0).grad(), "unfrozen, it gets gradients again");
    }
}
