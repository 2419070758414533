package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Tensor;

/** Bidirectional recurrent layers and dropout between stacked layers, with PyTorch's names, shapes and semantics. */
class BidirectionalRecurrentTest {
    private static final DType F64 = DType.FLOAT64;

    @Test
    void parametersAreNamedAndShapedAsPyTorchsInItsOrder() {
        Gru gru = new Gru(3, 4, 2, true, 0, true, new Random(1), DType.FLOAT32);
        List<String> names = new ArrayList<>(gru.namedParameters().keySet());
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_ih_l1", "weight_hh_l1",
                "bias_ih_l1", "bias_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse",
                "bias_hh_l1_reverse"), names);
        assertArrayEquals(new int[] {12, 8}, gru.weightIh(1, true).shape()); // layer 1 reads both directions
        assertEquals(2, gru.numDirections());
        RecurrentOutput out = gru.forward(Tensor.zeros(5, 6, 3), null);
        assertArrayEquals(new int[] {5, 6, 8}, out.output().shape());
        assertArrayEquals(new int[] {4, 5, 4}, out.state().h().shape());
        assertThrows(IllegalArgumentException.class, () -> new Gru(3, 4, 2, true, 0, false, new Random(1),
                DType.FLOAT32).weightIh(0, true));
    }

    /**
     * A bidirectional layer is a forward layer beside a layer that reads the flipped sequence (its output flipped
     * back), with the same weights: checked against two one-direction layers, fused and composed.
     */
    @Test
    void theReverseDirectionIsAOneDirectionLayerOnTheFlippedSequence() {
        for (boolean fused : new boolean[] {true, false}) {
            Lstm both = new Lstm(3, 4, 1, true, 0, true, new Random(2), F64);
            both.fused(fused);
            Lstm forward = new Lstm(3, 4, 1, true, new Random(3), F64);
            Lstm reverse = new Lstm(3, 4, 1, true, new Random(4), F64);
            for (int k = 0; k < 4; k++) {
                forward.parameters().get(k).copyFrom(both.parameters().get(k));
                reverse.parameters().get(k).copyFrom(both.parameters().get(4 + k));
            }
            Tensor x = Tensor.randn(F64, new Random(5), 2, 5, 3);
            RecurrentOutput out = both.forward(x, null);
            RecurrentOutput f = forward.forward(x, null);
            RecurrentOutput r = reverse.forward(x.flip(1), null);
            Tensor expected = Tensor.cat(List.of(f.output(), r.output().flip(1)), 2);
            assertArrayEquals(expected.toDoubleArray(), out.output().toDoubleArray(), 1e-14, "fused " + fused);
            assertArrayEquals(r.state().h().toDoubleArray(), out.state().h().select(0, 1).toDoubleArray(), 1e-14);
            assertArrayEquals(r.state().c().toDoubleArray(), out.state().c().select(0, 1).toDoubleArray(), 1e-14);
        }
    }

    @Test
    void gradientCheckOfStackedBidirectionalLayersInFloat64() {
        Random rng = new Random(6);
        for (boolean fused : new boolean[] {true, false}) {
            for (RecurrentLayer m : List.of(new Lstm(2, 3, 2, true, 0, true, rng, F64),
                    new Gru(2, 3, 2, true, 0, true, rng, F64), new Rnn(2, 3, 2, "tanh", true, 0, true, rng, F64))) {
                m.fused(fused);
                boolean lstm = m.kind == CellKind.LSTM;
                List<Tensor> inputs = new ArrayList<>(List.of(Tensor.randn(F64, rng, 2, 3, 2),
                        Tensor.randn(F64, rng, 4, 2, 3).mul(0.5), Tensor.randn(F64, rng, 4, 2, 3)));
                inputs.addAll(m.parameters());
                int count = m.parameters().size() / 4;
                Function<Tensor[], Tensor> f = v -> {
                    Tensor[][] w = new Tensor[4][count];
                    for (int i = 0; i < count; i++) {
                        for (int k = 0; k < 4; k++) {
                            w[k][i] = v[3 + 4 * i + k];
                        }
                    }
                    RecurrentOutput out = m.forward(v[0], new RecurrentState(v[1], lstm ? v[2] : null), w[0], w[1],
                            w[2], w[3]);
                    return Tensor.cat(List.of(out.output().flatten(), out.state().h().flatten()), 0);
                };
                GradCheck.Report r = GradCheck.check(f, inputs.toArray(new Tensor[0]));
                assertTrue(r.entries() > 1000, m + " checked " + r.entries());
            }
        }
    }

    @Test
    void dropoutActsBetweenLayersInTrainingOnly() {
        Tensor x = Tensor.randn(new Random(7), 4, 5, 3);
        Lstm plain = new Lstm(3, 4, 2, true, 0, false, new Random(8), DType.FLOAT32);
        Lstm dropped = new Lstm(3, 4, 2, true, 0.5, false, new Random(8), DType.FLOAT32);
        assertEquals(0.5, dropped.dropout());
        double[] expected = plain.forward(x).toDoubleArray();
        assertTrue(maxDiff(expected, dropped.forward(x).toDoubleArray()) > 1e-3, "dropout changed nothing in training");
        dropped.eval();
        assertArrayEquals(expected, dropped.forward(x).toDoubleArray(), 0, "dropout acted in eval mode");
        dropped.train();
        // one layer: nothing comes after it, so nothing is dropped (PyTorch's dropout acts only between layers)
        Lstm single = new Lstm(3, 4, 1, true, 0.5, false, new Random(8), DType.FLOAT32);
        Lstm singlePlain = new Lstm(3, 4, 1, true, 0, false, new Random(8), DType.FLOAT32);
        assertArrayEquals(singlePlain.forward(x).toDoubleArray(), single.forward(x).toDoubleArray(), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Lstm(3, 4, 2, true, 1.0, false, new Random(8), DType.FLOAT32));
        assertTrue(e.getMessage().contains("dropout must be in [0, 1), got 1.0"), e.getMessage());
    }

    private static double maxDiff(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
