package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.GradCheck;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Recurrent cells and layers: PyTorch's names, shapes, initialisation and equations (against an element-by-element
 * reference), layers equal to their cells step by step, gradient checks of each cell and of unrolled sequences in
 * float64, and input validation.
 */
class RecurrentTest {
    private static final DType F64 = DType.FLOAT64;

    // ------------------------------------------------------------------------------ names and initialisation

    @Test
    void layersHavePyTorchsParameterNamesShapesAndInitialisation() {
        Lstm lstm = new Lstm(3, 5, 2, true, new Random(1), DType.FLOAT32);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1",
                "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"), List.copyOf(lstm.namedParameters().keySet()));
        assertArrayEquals(new int[] {20, 3}, lstm.weightIh(0).shape(), "[4·hidden, input]: gates i, f, g, o");
        assertArrayEquals(new int[] {20, 5}, lstm.weightHh(0).shape());
        assertArrayEquals(new int[] {20, 5}, lstm.weightIh(1).shape(), "layer 1 reads layer 0's hidden state");
        assertArrayEquals(new int[] {20}, lstm.biasHh(1).shape());
        assertArrayEquals(new int[] {15, 3}, new Gru(3, 5, new Random(1)).weightIh(0).shape(), "r, z, n");
        Rnn rnn = new Rnn(3, 5, 1, "relu", false, new Random(1), DType.FLOAT32);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), List.copyOf(rnn.namedParameters().keySet()));
        assertNull(rnn.biasIh(0));
        assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                List.copyOf(new LstmCell(3, 5, new Random(1)).namedParameters().keySet()));
        assertArrayEquals(new int[] {15, 5}, new GruCell(3, 5, new Random(1)).weightHh().shape());
        double bound = 1 / Math.sqrt(5);
        for (Tensor p : lstm.parameters()) {
            double max = 0;
            for (double v : p.toDoubleArray()) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound && max > 0.8 * bound, "U(-1/√hidden, 1/√hidden): max |value| " + max);
        }
        assertEquals("Lstm(input=3, hidden=5, layers=2, bias=true)", lstm.toString());
    }

    @Test
    void theSameSeedGivesTheSameWeights() {
        Gru a = new Gru(4, 6, 2, true, new Random(7), DType.FLOAT32);
        Gru b = new Gru(4, 6, 2, true, new Random(7), DType.FLOAT32);
        for (int i = 0; i < a.parameters().size(); i++) {
            assertArrayEquals(a.parameters().get(i).toFloatArray(), b.parameters().get(i).toFloatArray());
        }
    }

    // --------------------------------------------------------------------------------------- the equations

    @Test
    void cellsComputePyTorchsEquationsInItsGateOrder() {
        Random rng = new Random(2);
        int batch = 3;
        int in = 4;
        int hidden = 5;
        Tensor x = Tensor.randn(F64, rng, batch, in);
        Tensor h = Tensor.randn(F64, rng, batch, hidden).mul(0.5);
        Tensor c = Tensor.randn(F64, rng, batch, hidden);
        List<RecurrentCell> cells = List.of(new RnnCell(in, hidden, "tanh", true, rng, F64),
                new RnnCell(in, hidden, "relu", true, rng, F64), new LstmCell(in, hidden, true, rng, F64),
                new GruCell(in, hidden, true, rng, F64));
        for (RecurrentCell cell : cells) {
            RecurrentState s = cell.forward(x, new RecurrentState(h, cell.kind == CellKind.LSTM ? c : null));
            double[][] expected = reference(cell.kind, x.toDoubleArray(), h.toDoubleArray(), c.toDoubleArray(),
                    cell.weightIh().toDoubleArray(), cell.weightHh().toDoubleArray(), cell.biasIh().toDoubleArray(),
                    cell.biasHh().toDoubleArray(), batch, in, hidden);
            assertArrayEquals(expected[0], s.h().toDoubleArray(), 1e-12, cell.kind + " h'");
            if (cell.kind == CellKind.LSTM) {
                assertArrayEquals(expected[1], s.c().toDoubleArray(), 1e-12, "LSTM c'");
            } else {
                assertNull(s.c());
            }
        }
    }

    /**
     * PyTorch's documented cell equations, written out element by element: the gate blocks of
     * {@code a = W_ih·x + b_ih} and {@code r = W_hh·h + b_hh} are LSTM i, f, g, o and GRU r, z, n, in that order.
     */
    private static double[][] reference(CellKind kind, double[] x, double[] h, double[] c, double[] wIh, double[] wHh,
            double[] bIh, double[] bHh, int batch, int in, int hidden) {
        double[] hOut = new double[batch * hidden];
        double[] cOut = new double[batch * hidden];
        int rows = kind.gates * hidden;
        for (int b = 0; b < batch; b++) {
            double[] a = new double[rows];
            double[] r = new double[rows];
            for (int g = 0; g < rows; g++) {
                a[g] = bIh[g];
                for (int j = 0; j < in; j++) {
                    a[g] += wIh[g * in + j] * x[b * in + j];
                }
                r[g] = bHh[g];
                for (int j = 0; j < hidden; j++) {
                    r[g] += wHh[g * hidden + j] * h[b * hidden + j];
                }
            }
            for (int u = 0; u < hidden; u++) {
                int o = b * hidden + u;
                switch (kind) {
                    case RNN_TANH -> hOut[o] = Math.tanh(a[u] + r[u]);
                    case RNN_RELU -> hOut[o] = Math.max(0, a[u] + r[u]);
                    case LSTM -> {
                        double i = sigmoid(a[u] + r[u]);
                        double f = sigmoid(a[hidden + u] + r[hidden + u]);
                        double g = Math.tanh(a[2 * hidden + u] + r[2 * hidden + u]);
                        double og = sigmoid(a[3 * hidden + u] + r[3 * hidden + u]);
                        cOut[o] = f * c[o] + i * g;
                        hOut[o] = og * Math.tanh(cOut[o]);
                    }
                    case GRU -> {
                        double rg = sigmoid(a[u] + r[u]);
                        double z = sigmoid(a[hidden + u] + r[hidden + u]);
                        double n = Math.tanh(a[2 * hidden + u] + rg * r[2 * hidden + u]);
                        hOut[o] = (1 - z) * n + z * h[o];
                    }
                }
            }
        }
        return new double[][] {hOut, cOut};
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    @Test
    void aLayerIsItsCellsAppliedStepByStepLayerByLayer() {
        Random rng = new Random(3);
        int batch = 2;
        int time = 5;
        int in = 3;
        int hidden = 4;
        int layers = 2;
        Tensor x = Tensor.randn(F64, rng, batch, time, in);
        Tensor h0 = Tensor.randn(F64, rng, layers, batch, hidden);
        Tensor c0 = Tensor.randn(F64, rng, layers, batch, hidden);
        List<RecurrentLayer> modules = List.of(new Rnn(in, hidden, layers, "tanh", true, rng, F64),
                new Rnn(in, hidden, layers, "relu", true, rng, F64), new Lstm(in, hidden, layers, true, rng, F64),
                new Gru(in, hidden, layers, true, rng, F64));
        for (RecurrentLayer m : modules) {
            boolean lstm = m.kind == CellKind.LSTM;
            RecurrentOutput out = m.forward(x, new RecurrentState(h0, lstm ? c0 : null));
            assertArrayEquals(new int[] {batch, time, hidden}, out.output().shape());
            assertArrayEquals(new int[] {layers, batch, hidden}, out.state().h().shape());
            List<Tensor> inputs = new ArrayList<>();
            for (int t = 0; t < time; t++) {
                inputs.add(x.narrow(1, t, 1).reshape(batch, in));
            }
            for (int l = 0; l < layers; l++) {
                RecurrentCell cell = cellLike(m, l);
                RecurrentState s = new RecurrentState(h0.narrow(0, l, 1).reshape(batch, hidden),
                        lstm ? c0.narrow(0, l, 1).reshape(batch, hidden) : null);
                List<Tensor> next = new ArrayList<>();
                for (Tensor xt : inputs) {
                    s = cell.forward(xt, s);
                    next.add(s.h());
                }
                inputs = next;
                assertArrayEquals(s.h().toDoubleArray(), out.state().h().narrow(0, l, 1).toDoubleArray(), 1e-12,
                        m.kind + " h_n of layer " + l);
                if (lstm) {
                    assertArrayEquals(s.c().toDoubleArray(), out.state().c().narrow(0, l, 1).toDoubleArray(), 1e-12);
                }
            }
            for (int t = 0; t < time; t++) {
                assertArrayEquals(inputs.get(t).toDoubleArray(), out.output().narrow(1, t, 1).toDoubleArray(), 1e-12,
                        m.kind + " output at step " + t);
            }
            assertArrayEquals(m.forward(x, null).output().toDoubleArray(),
                    m.forward(x, new RecurrentState(h0.mul(0), lstm ? c0.mul(0) : null)).output().toDoubleArray(), 0,
                    "a null initial state is zeros");
        }
    }

    /** A cell holding layer {@code l}'s weights of {@code m}. */
    private static RecurrentCell cellLike(RecurrentLayer m, int l) {
        int in = m.weightIh(l).size(1);
        Random rng = new Random(0);
        RecurrentCell cell = switch (m.kind) {
            case RNN_TANH -> new RnnCell(in, m.hiddenSize(), "tanh", true, rng, F64);
            case RNN_RELU -> new RnnCell(in, m.hiddenSize(), "relu", true, rng, F64);
            case LSTM -> new LstmCell(in, m.hiddenSize(), true, rng, F64);
            case GRU -> new GruCell(in, m.hiddenSize(), true, rng, F64);
        };
        try (Scope s = Tape.noGrad()) {
            cell.weightIh().copyFrom(m.weightIh(l));
            cell.weightHh().copyFrom(m.weightHh(l));
            cell.biasIh().copyFrom(m.biasIh(l));
            cell.biasHh().copyFrom(m.biasHh(l));
        }
        return cell;
    }

    // ---------------------------------------------------------------------------------- gradient checks

    @Test
    void gradientCheckOfEachCellInFloat64() {
        Random rng = new Random(4);
        int batch = 2;
        int in = 3;
        int hidden = 4;
        Tensor x = Tensor.randn(F64, rng, batch, in);
        Tensor h = Tensor.randn(F64, rng, batch, hidden).mul(0.5);
        Tensor c = Tensor.randn(F64, rng, batch, hidden);
        List<RecurrentCell> cells = List.of(new RnnCell(in, hidden, "tanh", true, rng, F64),
                new RnnCell(in, hidden, "relu", true, rng, F64), new LstmCell(in, hidden, true, rng, F64),
                new GruCell(in, hidden, true, rng, F64));
        for (RecurrentCell cell : cells) {
            boolean lstm = cell.kind == CellKind.LSTM;
            // d(h', c') / d(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh), every entry
            GradCheck.Report r = GradCheck.check(in2 -> {
                RecurrentState s = cell.forward(in2[0], new RecurrentState(in2[1], lstm ? in2[2] : null), in2[3],
                        in2[4], in2[5], in2[6]);
                return lstm ? Tensor.concat(List.of(s.h(), s.c()), 1) : s.h();
            }, x, h, c, cell.weightIh(), cell.weightHh(), cell.biasIh(), cell.biasHh());
            assertTrue(r.entries() > 0, cell.kind + " checked " + r.entries() + " entries");
        }
    }

    @Test
    void gradientCheckOfUnrolledSequencesInFloat64() {
        Random rng = new Random(5);
        int batch = 2;
        int time = 4;
        int in = 2;
        int hidden = 3;
        int layers = 2;
        Tensor x = Tensor.randn(F64, rng, batch, time, in);
        Tensor h0 = Tensor.randn(F64, rng, layers, batch, hidden).mul(0.5);
        Tensor c0 = Tensor.randn(F64, rng, layers, batch, hidden);
        List<RecurrentLayer> modules = List.of(new Rnn(in, hidden, layers, "tanh", true, rng, F64),
                new Rnn(in, hidden, layers, "relu", true, rng, F64), new Lstm(in, hidden, layers, true, rng, F64),
                new Gru(in, hidden, layers, true, rng, F64));
        for (RecurrentLayer m : modules) {
            boolean lstm = m.kind == CellKind.LSTM;
            List<Tensor> inputs = new ArrayList<>(List.of(x, h0, c0));
            inputs.addAll(m.parameters()); // per layer: weight_ih, weight_hh, bias_ih, bias_hh
            // d(output, h_n, c_n) / d(input, h_0, c_0, every parameter) over 4 steps of 2 stacked layers
            Function<Tensor[], Tensor> f = v -> {
                Tensor[][] w = new Tensor[4][layers];
                for (int l = 0; l < layers; l++) {
                    for (int k = 0; k < 4; k++) {
                        w[k][l] = v[3 + 4 * l + k];
                    }
                }
                RecurrentOutput out = m.forward(v[0], new RecurrentState(v[1], lstm ? v[2] : null), w[0], w[1], w[2],
                        w[3]);
                List<Tensor> parts = new ArrayList<>(List.of(out.output().flatten(), out.state().h().flatten()));
                if (lstm) {
                    parts.add(out.state().c().flatten());
                }
                return Tensor.concat(parts, 0);
            };
            GradCheck.Report r = GradCheck.check(f, inputs.toArray(new Tensor[0]));
            assertTrue(r.entries() > 1000, m.kind + " checked " + r.entries() + " entries");
        }
    }

    @Test
    void gradientReachesEveryStepsInputThroughTheRecurrence() {
        // d h_T / d x_0 is not zero: the last state depends on the first input only through T-1 recurrent steps
        Random rng = new Random(6);
        Tensor x = Tensor.randn(F64, rng, 2, 6, 3).requiresGrad(true);
        Lstm lstm = new Lstm(3, 4, 1, true, rng, F64);
        try (Tape tape = Tape.record()) {
            tape.backward(lstm.forward(x, null).state().h().sum());
        }
        double first = 0;
        for (double v : x.grad().narrow(1, 0, 1).toDoubleArray()) {
            first += Math.abs(v);
        }
        assertTrue(first > 1e-6, "sum |dh_T/dx_0| = " + first);
    }

    // --------------------------------------------------------------------------------------- step hooks

    @Test
    void stepHooksSeeEveryLayersHiddenStateAtEveryStepUntilRemoved() {
        Gru gru = new Gru(3, 4, 2, true, new Random(7), DType.FLOAT32);
        List<String> seen = new ArrayList<>();
        HookHandle handle = gru.registerStepHook((layer, l, t, h) -> {
            assertTrue(layer == gru);
            assertArrayEquals(new int[] {5, 4}, h.shape());
            seen.add(l + ":" + t);
        });
        RecurrentOutput out = gru.forward(Tensor.zeros(5, 3, 3), null);
        assertEquals(List.of("0:0", "0:1", "0:2", "1:0", "1:1", "1:2"), seen);
        assertArrayEquals(out.output().narrow(1, 2, 1).toFloatArray(), out.state().h().narrow(0, 1, 1).toFloatArray(),
                "the output's last step is the top layer's final state");
        handle.remove();
        gru.call(Tensor.zeros(5, 3, 3));
        assertEquals(6, seen.size());
    }

    // ------------------------------------------------------------------------------------------ errors

    @Test
    void errorsSayWhatWasWrongAndWhatWasExpected() {
        Lstm lstm = new Lstm(3, 4, 2, true, new Random(8), DType.FLOAT32);
        assertMessage("Lstm: expected input [batch, time, 3] (batch first), got [5, 3]",
                () -> lstm.forward(Tensor.zeros(5, 3), null));
        assertMessage("Lstm: expected input [batch, time, 3] (batch first), got [5, 2, 4]",
                () -> lstm.call(Tensor.zeros(5, 2, 4)));
        assertMessage("Lstm: the initial h must be [numLayers=2, batch=5, hidden=4], got [5, 4]",
                () -> lstm.forward(Tensor.zeros(5, 2, 3), new RecurrentState(Tensor.zeros(5, 4), Tensor.zeros(5, 4))));
        assertMessage("Lstm: the initial state needs the cell state c [numLayers=2, batch=5, hidden=4] as well as h",
                () -> lstm.forward(Tensor.zeros(5, 2, 3), RecurrentState.of(Tensor.zeros(2, 5, 4))));
        assertMessage("Lstm: the input is float64 but the parameters are float32; convert one with to(DType)",
                () -> lstm.forward(Tensor.zeros(F64, 5, 2, 3), null));
        Gru gru = new Gru(3, 4, new Random(8));
        assertMessage("Gru: the initial state has a cell state c, but only an LSTM has one; pass RecurrentState.of(h)",
                () -> gru.forward(Tensor.zeros(5, 2, 3), new RecurrentState(Tensor.zeros(1, 5, 4),
                        Tensor.zeros(1, 5, 4))));
        assertMessage("Rnn: nonlinearity must be \"tanh\" or \"relu\", got \"sigmoid\"",
                () -> new Rnn(3, 4, 1, "sigmoid", true, new Random(1), DType.FLOAT32));
        assertMessage("RnnCell: nonlinearity must be \"tanh\" or \"relu\", got \"Tanh\"",
                () -> new RnnCell(3, 4, "Tanh", true, new Random(1), DType.FLOAT32));
        assertMessage("Gru: numLayers must be at least 1, got 0",
                () -> new Gru(3, 4, 0, true, new Random(1), DType.FLOAT32));
        assertMessage("LstmCell: input and hidden sizes must be positive, got 3 and 0",
                () -> new LstmCell(3, 0, new Random(1)));
        RnnCell cell = new RnnCell(3, 4, new Random(1));
        assertMessage("RnnCell: expected input [batch, 3], got [5, 2, 3]", () -> cell.forward(Tensor.zeros(5, 2, 3)));
        assertMessage("RnnCell: the initial h must be [batch=5, hidden=4], got [5, 3]",
                () -> cell.forward(Tensor.zeros(5, 3), Tensor.zeros(5, 3)));
        assertMessage("Lstm: layer 2 is out of range for 2 layers (expected 0 to 1)", () -> lstm.weightIh(2));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        Exception e = assertThrows(RuntimeException.class, call);
        assertEquals(expected, e.getMessage());
    }
}
