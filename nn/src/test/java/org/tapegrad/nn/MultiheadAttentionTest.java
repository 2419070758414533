package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Anomaly;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.Scope;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * MultiheadAttention: PyTorch's parameter names, shapes and initialisation; values by hand and against an
 * element-by-element reference of PyTorch's formulas, with every mask; gradients of inputs and parameters against
 * finite differences in float64; causality; shapes and errors.
 */
class MultiheadAttentionTest {
    private static final DType F64 = DType.FLOAT64;
    private static final int E = 4;
    private static final int H = 2;

    private static MultiheadAttention layer(long seed) {
        MultiheadAttention m = new MultiheadAttention(E, H, true, 0, new Random(seed), F64);
        // PyTorch initialises both biases to 0; give them values so that the tests see them.
        m.inProjBias().copyFrom(Tensor.randn(F64, new Random(seed + 1), 3 * E).mul(0.3));
        m.outProj().bias().copyFrom(Tensor.randn(F64, new Random(seed + 2), E).mul(0.3));
        return m;
    }

    // ------------------------------------------------------------------------------------- names and init

    @Test
    void parametersHavePyTorchsNamesShapesAndInitialisation() {
        MultiheadAttention m = new MultiheadAttention(8, 2, true, 0.1, new Random(1));
        Map<String, Tensor> named = m.namedParameters();
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(named.keySet()));
        assertArrayEquals(new int[] {24, 8}, named.get("in_proj_weight").shape());
        assertArrayEquals(new int[] {24}, named.get("in_proj_bias").shape());
        assertArrayEquals(new int[] {8, 8}, named.get("out_proj.weight").shape());
        assertArrayEquals(new int[] {8}, named.get("out_proj.bias").shape());
        assertEquals(0, named.get("in_proj_bias").abs().max().item(), "zeros, as PyTorch");
        assertEquals(0, named.get("out_proj.bias").abs().max().item(), "zeros, as PyTorch");
        double xavier = Math.sqrt(6.0 / (8 + 24)); // fan_in 8, fan_out 24
        double inMax = named.get("in_proj_weight").abs().max().item();
        assertTrue(inMax <= xavier && inMax > 0.8 * xavier, "xavier uniform: max " + inMax + " of bound " + xavier);
        double kaiming = 1 / Math.sqrt(8); // a Linear's default
        double outMax = named.get("out_proj.weight").abs().max().item();
        assertTrue(outMax <= kaiming && outMax > 0.7 * kaiming, "Linear's init: max " + outMax + " of " + kaiming);
        assertEquals(List.of("in_proj_weight", "out_proj.weight"),
                List.copyOf(new MultiheadAttention(8, 2, false, 0, new Random(1)).namedParameters().keySet()));
        assertEquals("MultiheadAttention(embedDim=8, numHeads=2, dropout=0.1, bias=true\n"
                + "  (out_proj): Linear(in=8, out=8, bias=true)\n)", m.toString());
    }

    @Test
    void aPyTorchStateDictLoadsUnchanged() {
        MultiheadAttention m = new MultiheadAttention(4, 2, new Random(2));
        Map<String, Tensor> torch = new LinkedHashMap<>(); // the keys of torch's state_dict() for this module
        torch.put("in_proj_weight", Tensor.full(0.5, 12, 4));
        torch.put("in_proj_bias", Tensor.full(0.25, 12));
        torch.put("out_proj.weight", Tensor.full(-1, 4, 4));
        torch.put("out_proj.bias", Tensor.full(2, 4));
        LoadResult r = m.loadStateDict(StateDict.ofTensors(torch), true);
        assertTrue(r.missingKeys().isEmpty() && r.unexpectedKeys().isEmpty());
        assertEquals(0.5, m.inProjWeight().get(11, 3));
        assertEquals(-1, m.outProj().weight().get(3, 0));
        assertEquals(List.copyOf(torch.keySet()), List.copyOf(m.stateDict().tensors().keySet()));
    }

    // ------------------------------------------------------------------------------------------- values

    @Test
    void oneHeadOfIdentitiesIsTheSoftmaxOfDotProductsByHand() {
        MultiheadAttention m = new MultiheadAttention(2, 1, true, 0, new Random(3), F64);
        m.inProjWeight().copyFrom(Tensor.of(F64, new double[] {1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1}, 6, 2));
        m.outProj().weight().copyFrom(Tensor.of(F64, new double[] {1, 0, 0, 1}, 2, 2));
        Tensor x = Tensor.of(F64, new double[] {1, 0, 0, 1}, 1, 2, 2); // two positions, unit vectors
        MultiheadAttention.Output out = m.forward(x, x, x, null, null, true);
        // scores x·xᵀ/√2 = I/√2, so each row's weights are (σ(c), 1 - σ(c)) with c = 1/√2, in its own order
        double a = 1 / (1 + Math.exp(-1 / Math.sqrt(2)));
        assertArrayEquals(new double[] {a, 1 - a, 1 - a, a}, out.output().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {a, 1 - a, 1 - a, a}, out.weights().toDoubleArray(), 1e-15);
        // key 1 padded: every query attends to key 0 only
        Tensor padding = Tensor.of(new double[] {0, 1}, 1, 2);
        assertArrayEquals(new double[] {1, 0, 1, 0}, m.forward(x, x, x, padding, null, false).output().toDoubleArray(),
                1e-15);
    }

    /** PyTorch's formulas element by element, in double: {output [N·L·E], weights [N·L·S]}. */
    private static double[][] reference(MultiheadAttention m, Tensor query, Tensor key, Tensor value, Tensor padding,
            Tensor mask, Tensor bias) {
        int n = query.size(0);
        int l = query.size(1);
        int s = key.size(1);
        int d = E / H;
        double[] w = m.inProjWeight().toDoubleArray();
        double[] b = m.inProjBias().toDoubleArray();
        double[] wo = m.outProj().weight().toDoubleArray();
        double[] bo = m.outProj().bias().toDoubleArray();
        double[] out = new double[n * l * E];
        double[] weights = new double[n * l * s];
        for (int i = 0; i < n; i++) {
            double[][] q = project(query.select(0, i).toDoubleArray(), l, w, b, 0);
            double[][] k = project(key.select(0, i).toDoubleArray(), s, w, b, 1);
            double[][] v = project(value.select(0, i).toDoubleArray(), s, w, b, 2);
            double[][] heads = new double[l][E];
            for (int h = 0; h < H; h++) {
                for (int t = 0; t < l; t++) {
                    double[] p = new double[s];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s; j++) {
                        double score = 0;
                        for (int c = h * d; c < (h + 1) * d; c++) {
                            score += q[t][c] * k[j][c];
                        }
                        score /= Math.sqrt(d);
                        score += bias == null ? 0 : bias.get(t, j);
                        boolean masked = mask != null && mask.get(t, j) == 1 || padding != null && padding.get(i, j) == 1;
                        p[j] = masked ? Double.NEGATIVE_INFINITY : score;
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < s; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int j = 0; j < s; j++) {
                        p[j] /= sum;
                        weights[(i * l + t) * s + j] += p[j] / H;
                        for (int c = h * d; c < (h + 1) * d; c++) {
                            heads[t][c] += p[j] * v[j][c];
                        }
                    }
                }
            }
            for (int t = 0; t < l; t++) {
                for (int o = 0; o < E; o++) {
                    double y = bo[o];
                    for (int c = 0; c < E; c++) {
                        y += wo[o * E + c] * heads[t][c];
                    }
                    out[(i * l + t) * E + o] = y;
                }
            }
        }
        return new double[][] {out, weights};
    }

    /** Rows x [T, E] times rows {@code part·E..} of in_proj_weight, plus the bias. */
    private static double[][] project(double[] x, int rows, double[] w, double[] b, int part) {
        double[][] y = new double[rows][E];
        for (int t = 0; t < rows; t++) {
            for (int o = 0; o < E; o++) {
                double sum = b[part * E + o];
                for (int c = 0; c < E; c++) {
                    sum += w[(part * E + o) * E + c] * x[t * E + c];
                }
                y[t][o] = sum;
            }
        }
        return y;
    }

    @Test
    void twoHeadsWithEveryMaskMatchTheReference() {
        Random rng = new Random(4);
        MultiheadAttention m = layer(5);
        Tensor query = Tensor.randn(F64, rng, 2, 3, E);
        Tensor key = Tensor.randn(F64, rng, 2, 5, E);
        Tensor value = Tensor.randn(F64, rng, 2, 5, E);
        Tensor padding = Tensor.of(new double[] {0, 0, 0, 1, 1, 0, 1, 0, 0, 0}, 2, 5);
        Tensor mask = Tensor.of(new double[] {0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0}, 3, 5);
        Tensor bias = Tensor.randn(F64, rng, 3, 5);
        for (Tensor[] masks : new Tensor[][] {{null, null, null}, {padding, null, null}, {null, mask, null},
                {padding, mask, bias}}) {
            MultiheadAttention.Output out = m.forward(query, key, value, masks[0], masks[1], masks[2], true);
            double[][] expected = reference(m, query, key, value, masks[0], masks[1], masks[2]);
            assertArrayEquals(new int[] {2, 3, E}, out.output().shape());
            assertArrayEquals(new int[] {2, 3, 5}, out.weights().shape());
            assertArrayEquals(expected[0], out.output().toDoubleArray(), 1e-13);
            assertArrayEquals(expected[1], out.weights().toDoubleArray(), 1e-14);
        }
        // PyTorch's additive form of the same mask (-inf where masked) gives the boolean mask's result
        Tensor additive = mask.mul(-1).add(1).log(); // log 1 = 0 allowed, log 0 = -inf masked
        assertArrayEquals(m.forward(query, key, value, null, mask, false).output().toDoubleArray(),
                m.forward(query, key, value, null, null, additive, false).output().toDoubleArray(), 1e-15);
        // a per-head mask [N·H, L, S]: head-batch 1 (example 0, head 1) masks one more pair than the others
        Tensor perHead = mask.unsqueeze(0).expand(4, 3, 5).copy();
        double[] heads = perHead.toDoubleArray();
        heads[15] = 1;
        Tensor perHeadMask = Tensor.of(heads, 4, 3, 5);
        Tensor withHeadMask = m.forward(query, key, value, null, perHeadMask, true).weights();
        assertNotEquals(m.forward(query, key, value, null, mask, true).weights().get(0, 0, 0),
                withHeadMask.get(0, 0, 0), "head 1 of example 0 lost key 0");
        assertEquals(m.forward(query, key, value, null, mask, true).weights().get(1, 0, 0),
                withHeadMask.get(1, 0, 0), 1e-15, "example 1 is unchanged");
    }

    @Test
    void selfAttentionProjectsOnceAndGivesWhatSeparateProjectionsGive() {
        MultiheadAttention m = layer(6);
        Tensor x = Tensor.randn(F64, new Random(7), 2, 4, E);
        double[] same = m.forward(x, x, x, null, null, false).output().toDoubleArray();
        double[] separate = m.forward(x, x.copy(), x.copy(), null, null, false).output().toDoubleArray();
        assertArrayEquals(separate, same, 1e-14);
        assertArrayEquals(same, m.call(x).toDoubleArray(), 0, "forward(x) is self-attention");
        assertArrayEquals(same, m.call(x, x, x).toDoubleArray(), 0, "call(query, key, value)");
    }

    @Test
    void anUnbatchedSequenceIsABatchOfOne() {
        MultiheadAttention m = layer(8);
        Tensor q = Tensor.randn(F64, new Random(9), 3, E);
        Tensor kv = Tensor.randn(F64, new Random(10), 5, E);
        Tensor padding = Tensor.of(new double[] {0, 1, 0, 0, 0}, 5);
        MultiheadAttention.Output out = m.forward(q, kv, kv, padding, null, true);
        assertArrayEquals(new int[] {3, E}, out.output().shape());
        assertArrayEquals(new int[] {3, 5}, out.weights().shape());
        MultiheadAttention.Output batched = m.forward(q.unsqueeze(0), kv.unsqueeze(0), kv.unsqueeze(0),
                padding.unsqueeze(0), null, true);
        assertArrayEquals(batched.output().toDoubleArray(), out.output().toDoubleArray(), 0);
        assertNull(m.forward(q, kv, kv, null, null, false).weights());
    }

    // -------------------------------------------------------------------------------------------- causal

    @Test
    void boolMasksMaskWhereTheyAreTrueAsFloatMasksWhereTheyAreOne() {
        MultiheadAttention m = layer(13);
        Random rng = new Random(14);
        Tensor x = Tensor.randn(F64, rng, 2, 4, E);
        Tensor padding = Tensor.of(F64, new double[] {0, 0, 1, 1, 0, 0, 0, 1}, 2, 4);
        Tensor causal = MultiheadAttention.causalMask(4);
        Tensor floats = m.forward(x, x, x, padding, causal, false).output();
        Tensor bools = m.forward(x, x, x, padding.gt(0.5), causal.gt(0.5), false).output();
        assertArrayEquals(floats.toDoubleArray(), bools.toDoubleArray(), 0);
    }

    @Test
    void aCausalMaskMakesEachPositionIndependentOfLaterInputs() {
        assertArrayEquals(new double[] {0, 1, 1, 0, 0, 1, 0, 0, 0}, MultiheadAttention.causalMask(3).toDoubleArray());
        MultiheadAttention m = layer(11);
        Random rng = new Random(12);
        int length = 5;
        Tensor x = Tensor.randn(F64, rng, 2, length, E);
        Tensor causal = MultiheadAttention.causalMask(length);
        int t = 2;
        Tensor y = m.forward(x, x, x, null, causal, false).output();
        double[] changed = x.toDoubleArray();
        for (int i = 0; i < 2; i++) {
            for (int pos = t + 1; pos < length; pos++) {
                for (int c = 0; c < E; c++) {
                    changed[(i * length + pos) * E + c] += 1 + rng.nextGaussian();
                }
            }
        }
        Tensor x2 = Tensor.of(F64, changed, 2, length, E);
        Tensor y2 = m.forward(x2, x2, x2, null, causal, false).output();
        assertArrayEquals(y.narrow(1, 0, t + 1).toDoubleArray(), y2.narrow(1, 0, t + 1).toDoubleArray(), 1e-14,
                "positions 0.." + t + " do not see later inputs");
        assertNotEquals(y.get(0, t + 1, 0), y2.get(0, t + 1, 0), "the later positions do change");
        Tensor y3 = m.forward(x2, x2, x2, null, null, false).output();
        assertNotEquals(y.get(0, 0, 0), y3.get(0, 0, 0), "without the mask, position 0 sees them");
    }

    @Test
    void aFullyMaskedRowIsNaNAsInPyTorchAndMaskingWorksUnderAnomalyDetection() {
        MultiheadAttention m = layer(13);
        Tensor x = Tensor.randn(F64, new Random(14), 1, 2, E);
        Tensor allPadding = Tensor.ones(1, 2);
        assertTrue(Double.isNaN(m.forward(x, x, x, allPadding, null, false).output().get(0, 0, 0)));
        Tensor p = x.detach().requiresGrad(true);
        try (Scope a = Anomaly.detect(); Tape tape = Tape.record()) {
            tape.backward(m.forward(p, p, p, null, MultiheadAttention.causalMask(2), false).output().sum());
        }
        assertTrue(p.grad() != null && Double.isFinite(p.grad().sum().item()));
    }

    // ------------------------------------------------------------------------------------------ gradients

    @Test
    void gradientsOfQueryKeyAndValueWithMasksMatchFiniteDifferences() {
        MultiheadAttention m = layer(15);
        Random rng = new Random(16);
        Tensor query = Tensor.randn(F64, rng, 2, 3, E);
        Tensor key = Tensor.randn(F64, rng, 2, 3, E);
        Tensor value = Tensor.randn(F64, rng, 2, 3, E);
        Tensor padding = Tensor.of(new double[] {0, 0, 1, 0, 0, 0}, 2, 3);
        Tensor causal = MultiheadAttention.causalMask(3);
        Tensor bias = Tensor.randn(F64, rng, 3, 3);
        GradCheck.Report r = GradCheck.check(in -> m.forward(in[0], in[1], in[2], padding, causal, bias, true)
                .output(), query, key, value);
        assertEquals(24 * 72, r.entries());
        GradCheck.check(in -> m.forward(in[0], in[1], in[2], padding, causal, true).weights(), query, key, value);
        GradCheck.checkSecondOrder(in -> m.forward(in[0], in[0], in[1], padding, causal, false).output(), query,
                value);
    }

    @Test
    void gradientsOfEveryParameterMatchFiniteDifferences() {
        MultiheadAttention m = layer(17);
        Random rng = new Random(18);
        Tensor x = Tensor.randn(F64, rng, 2, 3, E);
        Tensor memory = Tensor.randn(F64, rng, 2, 4, E);
        Tensor padding = Tensor.of(new double[] {0, 0, 0, 1, 0, 1, 0, 0}, 2, 4);
        checkParameterGradients(m, () -> m.forward(x, memory, memory, padding, null, false).output());
        Tensor causal = MultiheadAttention.causalMask(3);
        checkParameterGradients(m, () -> m.forward(x, x, x, null, causal, false).output());
    }

    /** d(Σ w·y)/dθ for every element of every parameter against central differences of the same sum. */
    private static void checkParameterGradients(Layer layer, Supplier<Tensor> y) {
        List<Tensor> params = layer.parameters();
        Tensor w;
        Tensor[] grads;
        try (Tape tape = Tape.record()) {
            Tensor out = y.get();
            w = Tensor.of(F64, sines(out.numel()), out.shape());
            grads = Autograd.grad(out.mul(w).sum(), null, params, false, false);
        }
        double eps = 1e-6;
        for (int i = 0; i < params.size(); i++) {
            double[] data = params.get(i).float64Matrix().data;
            double[] g = grads[i].toDoubleArray();
            for (int e = 0; e < data.length; e++) {
                double v = data[e];
                data[e] = v + eps;
                double plus = y.get().mul(w).sum().item();
                data[e] = v - eps;
                double minus = y.get().mul(w).sum().item();
                data[e] = v;
                double numeric = (plus - minus) / (2 * eps);
                assertEquals(numeric, g[e], 1e-7 * (1 + Math.abs(numeric)), "parameter " + i + " element " + e);
            }
        }
    }

    private static double[] sines(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.sin(i + 1);
        }
        return v;
    }

    // ----------------------------------------------------------------------------- dropout, shapes, errors

    @Test
    void dropoutActsOnTheWeightsInTrainingOnly() {
        MultiheadAttention m = new MultiheadAttention(E, H, true, 0.5, new Random(19), F64);
        Tensor x = Tensor.randn(F64, new Random(20), 2, 6, E);
        m.eval();
        MultiheadAttention.Output eval = m.forward(x, x, x, null, null, true);
        assertArrayEquals(eval.output().toDoubleArray(), m.forward(x, x, x, null, null, false).output()
                .toDoubleArray(), 0, "eval mode is deterministic");
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, eval.weights().sum(-1, false).select(0, 0).toDoubleArray(),
                1e-14, "each row of weights sums to 1");
        m.train();
        MultiheadAttention.Output train = m.forward(x, x, x, null, null, true);
        assertNotEquals(eval.output().get(0, 0, 0), train.output().get(0, 0, 0));
        double[] w = train.weights().toDoubleArray();
        long zeros = java.util.Arrays.stream(w).filter(v -> v == 0).count();
        assertTrue(zeros > 0, "some weights dropped (averaged over 2 heads, both dropped: " + zeros + ")");
    }

    @Test
    void errorsNameWhatWasExpected() {
        MultiheadAttention m = new MultiheadAttention(E, H, new Random(21));
        Tensor x = Tensor.zeros(2, 3, E);
        assertEquals("MultiheadAttention: embedDim must be a positive multiple of numHeads, got embedDim 6 and "
                + "numHeads 4", assertThrows(IllegalArgumentException.class,
                        () -> new MultiheadAttention(6, 4, new Random(0))).getMessage());
        assertEquals("MultiheadAttention: expected query [N, L, 4], key and value [N, S, 4] (batch first), got query "
                + "[2, 3, 4], key [2, 3, 5], value [2, 3, 4]", assertThrows(IllegalArgumentException.class,
                        () -> m.forward(x, Tensor.zeros(2, 3, 5), x, null, null, false)).getMessage());
        assertEquals("MultiheadAttention: keyPaddingMask must be [N, S] = [2, 3], got [3, 2]",
                assertThrows(IllegalArgumentException.class,
                        () -> m.forward(x, x, x, Tensor.zeros(3, 2), null, false)).getMessage());
        assertEquals("MultiheadAttention: attnMask must be [L, S] = [3, 3] or [N·numHeads, L, S] = [4, 3, 3], got "
                + "[2, 3]", assertThrows(IllegalArgumentException.class,
                        () -> m.forward(x, x, x, null, Tensor.zeros(2, 3), false)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> m.forward(x, x, x, null, Tensor.full(0.5, 3, 3), false)).getMessage().contains("0s and 1s"));
    }
}
