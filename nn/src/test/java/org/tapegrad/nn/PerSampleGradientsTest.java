package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** Per-example gradients from outer products against one backward pass per example, in float64. */
class PerSampleGradientsTest {
    private static final double EXACT = 1e-12;
    private static final DType F64 = DType.FLOAT64;

    private static final int[] LABELS = {2, 0, 1, 2, 1};

    private static UnaryOperator<Tensor> crossEntropy(int[] labels) {
        CrossEntropyLoss loss = new CrossEntropyLoss(Reduction.NONE, 0);
        return out -> loss.forward(out, labels);
    }

    /** The reference: example n run alone, its loss differentiated by one backward pass. */
    private static Map<String, double[][]> oneBackwardPerExample(Layer model, Tensor inputs, int[] labels) {
        Map<String, Tensor> named = model.namedParameters();
        List<Tensor> params = new ArrayList<>(named.values());
        int n = inputs.size(0);
        Map<String, double[][]> result = new LinkedHashMap<>();
        named.keySet().forEach(k -> result.put(k, new double[n][]));
        for (int s = 0; s < n; s++) {
            try (Tape tape = Tape.record()) {
                Tensor loss = crossEntropy(new int[] {labels[s]}).apply(model.call(inputs.narrow(0, s, 1))).sum();
                Tensor[] g = Autograd.grad(loss, null, params, false, false);
                int k = 0;
                for (String name : named.keySet()) {
                    result.get(name)[s] = g[k++].toDoubleArray();
                }
            }
        }
        return result;
    }

    private static void assertMatches(Map<String, double[][]> expected, Map<String, Tensor> actual, Layer model) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            Tensor t = actual.get(name);
            int[] paramShape = model.namedParameters().get(name).shape();
            assertEquals(paramShape.length + 1, t.rank(), name);
            double[][] rows = expected.get(name);
            int per = rows[0].length;
            double[] all = t.toDoubleArray();
            for (int s = 0; s < rows.length; s++) {
                double[] got = java.util.Arrays.copyOfRange(all, s * per, (s + 1) * per);
                assertArrayEquals(rows[s], got, EXACT, name + " of example " + s);
                assertTrue(java.util.Arrays.stream(rows[s]).anyMatch(v -> Math.abs(v) > 1e-6),
                        name + " of example " + s + " should not be all zeros");
            }
        }
    }

    private static Layer mlp() {
        Random rng = new Random(11);
        return new Sequential(new Linear(4, 6, true, rng, F64), new Tanh(), new Linear(6, 3, true, rng, F64));
    }

    @Test
    void linearModelMatchesOneBackwardPerExample() {
        Layer model = mlp();
        Tensor x = Tensor.randn(F64, new Random(5), 5, 4);
        Map<String, Tensor> perSample = PerSampleGradients.compute(model, x, crossEntropy(LABELS));
        assertArrayEquals(new int[] {5, 6, 4}, perSample.get("0.weight").shape());
        assertMatches(oneBackwardPerExample(model, x, LABELS), perSample, model);
        for (Tensor p : model.parameters()) {
            assertNull(p.grad(), "no grad() is written");
        }
    }

    @Test
    void aLinearOnSequencesSumsEachExamplesPositions() {
        Random rng = new Random(13);
        Layer model = new Sequential(new Linear(3, 4, true, rng, F64), new Tanh(), new Flatten(),
                new Linear(2 * 4, 3, true, rng, F64));
        Tensor x = Tensor.randn(F64, new Random(6), 5, 2, 3); // [N, T, in]: the first Linear sees 2 rows per example
        Map<String, Tensor> perSample = PerSampleGradients.compute(model, x, crossEntropy(LABELS));
        assertArrayEquals(new int[] {5, 4, 3}, perSample.get("0.weight").shape());
        assertMatches(oneBackwardPerExample(model, x, LABELS), perSample, model);
    }

    @Test
    void float32ModelGivesFloat32GradientsCloseToTheReference() {
        Random rng = new Random(11);
        Layer model = new Sequential(new Linear(4, 6, true, rng, DType.FLOAT32), new Tanh(),
                new Linear(6, 3, true, rng, DType.FLOAT32));
        Tensor x = Tensor.randn(DType.FLOAT32, new Random(5), 5, 4);
        Map<String, Tensor> perSample = PerSampleGradients.compute(model, x, crossEntropy(LABELS));
        Map<String, double[][]> reference = oneBackwardPerExample(model, x, LABELS);
        for (String name : reference.keySet()) {
            assertEquals(DType.FLOAT32, perSample.get(name).dtype());
            double[] all = perSample.get(name).toDoubleArray();
            int per = reference.get(name)[0].length;
            for (int s = 0; s < 5; s++) {
                assertArrayEquals(reference.get(name)[s], java.util.Arrays.copyOfRange(all, s * per, (s + 1) * per),
                        1e-5, name);
            }
        }
    }

    @Test
    void convolutionalModelWithGroupsStrideDilationAndPaddingMatches() {
        Random rng = new Random(3);
        Layer model = new Sequential(
                new Conv2d(2, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 2, true, rng, F64),
                new Relu(),
                new Conv2d(4, 3, new int[] {2, 3}, new int[] {2, 1}, new int[] {0, 1}, new int[] {1, 2}, 1, true, rng, F64),
                new Tanh(), new Flatten(), new Linear(3 * 3 * 3, 3, true, rng, F64));
        Tensor x = Tensor.randn(F64, new Random(9), 5, 2, 6, 5);
        Map<String, Tensor> perSample = PerSampleGradients.compute(model, x, crossEntropy(LABELS));
        assertArrayEquals(new int[] {5, 4, 1, 3, 3}, perSample.get("0.weight").shape());
        assertMatches(oneBackwardPerExample(model, x, LABELS), perSample, model);
    }

    /** One Linear applied twice: each example's gradient is the sum of both uses' outer products. */
    static final class Twice extends Layer {
        final Linear shared;

        Twice(Random rng) {
            shared = registerModule("shared", new Linear(3, 3, true, rng, F64));
        }

        @Override
        public Tensor forward(Tensor x) {
            return shared.call(shared.call(x).tanh());
        }
    }

    @Test
    void aLayerCalledTwiceAddsBothCalls() {
        Layer model = new Twice(new Random(2));
        Tensor x = Tensor.randn(F64, new Random(4), 5, 3);
        assertMatches(oneBackwardPerExample(model, x, LABELS),
                PerSampleGradients.compute(model, x, crossEntropy(LABELS)), model);
    }

    @Test
    void clippingBoundsEachExamplesNormAndSumsTheRest() {
        Layer model = mlp();
        Tensor x = Tensor.randn(F64, new Random(5), 5, 4).mul(3);
        Map<String, Tensor> perSample = PerSampleGradients.compute(model, x, crossEntropy(LABELS));
        double[] norms = PerSampleGradients.norms(perSample);
        double[] sorted = norms.clone();
        java.util.Arrays.sort(sorted);
        double bound = sorted[2]; // the median: some examples are clipped, some are not
        assertTrue(sorted[0] < bound && bound < sorted[4]);
        Map<String, double[][]> reference = oneBackwardPerExample(model, x, LABELS);
        double[] referenceNorms = new double[5];
        for (double[][] rows : reference.values()) {
            for (int s = 0; s < 5; s++) {
                for (double v : rows[s]) {
                    referenceNorms[s] += v * v;
                }
            }
        }
        for (int s = 0; s < 5; s++) {
            assertEquals(Math.sqrt(referenceNorms[s]), norms[s], EXACT);
        }
        Map<String, Tensor> clipped = PerSampleGradients.clipAndSum(perSample, bound);
        for (String name : reference.keySet()) {
            double[][] rows = reference.get(name);
            double[] expected = new double[rows[0].length];
            for (int s = 0; s < 5; s++) {
                double scale = Math.min(1, bound / norms[s]);
                for (int k = 0; k < expected.length; k++) {
                    expected[k] += scale * rows[s][k];
                }
            }
            assertArrayEquals(model.namedParameters().get(name).shape(), clipped.get(name).shape());
            assertArrayEquals(expected, clipped.get(name).toDoubleArray(), EXACT, name);
        }
        // A bound above every norm changes nothing: the clipped sum is the batch's summed gradient.
        Map<String, Tensor> unclipped = PerSampleGradients.clipAndSum(perSample, sorted[4] * 2);
        for (String name : reference.keySet()) {
            double[] sum = new double[reference.get(name)[0].length];
            for (double[] row : reference.get(name)) {
                for (int k = 0; k < sum.length; k++) {
                    sum[k] += row[k];
                }
            }
            assertArrayEquals(sum, unclipped.get(name).toDoubleArray(), EXACT);
        }
    }

    @Test
    void modelsWhoseExamplesInteractOrWhoseLayersAreNotSupportedAreRefused() {
        Random rng = new Random(1);
        Tensor x = Tensor.randn(F64, rng, 5, 4);
        Layer norm = new Sequential(new Linear(4, 4, true, rng, F64), new LayerNorm(4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PerSampleGradients.compute(norm, x, crossEntropy(LABELS)));
        assertTrue(e.getMessage().contains("parameter '1.weight' does not belong to a Linear or Conv2d"), e.getMessage());

        Layer batchNorm = new Sequential(new Linear(4, 4, true, rng, F64), new BatchNorm1d(4, 1e-5, 0.1, false, true));
        e = assertThrows(IllegalArgumentException.class,
                () -> PerSampleGradients.compute(batchNorm, x, crossEntropy(LABELS)));
        assertTrue(e.getMessage().contains("'1' is a BatchNorm in training mode"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> PerSampleGradients.compute(mlp(), x, out -> out.sum()));
        assertTrue(e.getMessage().contains("one loss per example, shape [5]; got []"), e.getMessage());
    }
}
