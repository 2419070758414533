package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.Losses;
import org.tapegrad.nn.train.DataParallel;
import org.tapegrad.core.DType;
import org.tapegrad.core.ForwardAD;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * The recurrent layers' fused path ({@code Recurrence}) against the same layers composed step by step from core
 * ops ({@code fused(false)}): outputs, final states and every gradient (parameters, input, initial state), for
 * every cell over two stacked layers, in float64 (to rounding) and float32 (within the float32 tanh's error); and
 * that the composed path takes over where the fused op has no rule.
 */
class FusedRecurrenceTest {

    private static List<RecurrentLayer> layers(DType dtype) {
        Random rng = new Random(11);
        return List.of(new Rnn(3, 6, 2, "tanh", true, rng, dtype), new Rnn(3, 6, 2, "relu", true, rng, dtype),
                new Lstm(3, 6, 2, true, rng, dtype), new Gru(3, 6, 2, true, rng, dtype),
                new Lstm(3, 6, 1, false, rng, dtype));
    }

    /** Values of the outputs, then of the gradients of every parameter, the input and the initial state. */
    private static List<double[]> run(RecurrentLayer m, boolean fused, DType dtype) {
        m.fused(fused);
        m.zeroGrad();
        Random rng = new Random(5);
        boolean lstm = m.kind == CellKind.LSTM;
        Tensor x = Tensor.randn(dtype, rng, 4, 7, 3).requiresGrad(true);
        Tensor h0 = Tensor.randn(dtype, rng, m.numLayers(), 4, 6).mul(0.5).requiresGrad(true);
        Tensor c0 = lstm ? Tensor.randn(dtype, rng, m.numLayers(), 4, 6).requiresGrad(true) : null;
        Tensor weights = Tensor.randn(dtype, rng, 4, 7, 6);
        List<double[]> values = new ArrayList<>();
        try (Tape tape = Tape.record()) {
            RecurrentOutput out = m.forward(x, new RecurrentState(h0, c0));
            Tensor loss = out.output().mul(weights).sum().add(out.state().h().mul(out.state().h()).sum());
            if (lstm) {
                loss = loss.add(out.state().c().mul(-2).sum());
            }
            // the composed path joins its steps with concat; the fused op's output is its own (or a view of it)
            assertEquals(!fused, "concat".equals(out.output().gradFnName()), m + " fused " + fused + ": "
                    + out.output().gradFnName());
            tape.backward(loss);
            values.add(out.output().toDoubleArray());
            values.add(out.state().h().toDoubleArray());
        }
        for (Tensor p : m.parameters()) {
            values.add(p.grad().toDoubleArray());
        }
        values.add(x.grad().toDoubleArray());
        values.add(h0.grad().toDoubleArray());
        if (lstm) {
            values.add(c0.grad().toDoubleArray());
        }
        return values;
    }

    private static void assertAgree(DType dtype, double tolerance) {
        for (RecurrentLayer m : layers(dtype)) {
            List<double[]> fused = run(m, true, dtype);
            List<double[]> composed = run(m, false, dtype);
            assertEquals(composed.size(), fused.size());
            for (int k = 0; k < fused.size(); k++) {
                double worst = 0;
                double scale = 0;
                for (int i = 0; i < fused.get(k).length; i++) {
                    worst = Math.max(worst, Math.abs(fused.get(k)[i] - composed.get(k)[i]));
                    scale = Math.max(scale, Math.abs(composed.get(k)[i]));
                }
                assertTrue(worst <= tolerance * Math.max(1, scale), m + " value set " + k + ": fused and composed differ by "
                        + worst + " (largest value " + scale + ")");
            }
        }
    }

    @Test
    void fusedAndComposedAgreeToRoundingInFloat64() {
        assertAgree(DType.FLOAT64, 1e-12);
    }

    @Test
    void fusedAndComposedAgreeInFloat32WithinTheFloat32TanhError() {
        assertAgree(DType.FLOAT32, 2e-5);
    }

    @Test
    void gradientsOfGradientsNeedTheComposedPathAndGetIt() {
        Lstm lstm = new Lstm(3, 4, 1, true, new Random(1), DType.FLOAT64);
        assertTrue(lstm.isFused());
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(2), 2, 3, 3).requiresGrad(true);
        lstm.fused(false);
        assertFalse(lstm.isFused());
        try (Tape tape = Tape.record()) {
            Tensor y = lstm.forward(x).mul(lstm.forward(x)).sum();
            Tensor dx = Autograd.gradWithGraph(y, x)[0];
            Tensor ddx = Autograd.grad(dx.sum(), x)[0];
            assertTrue(ddx.abs().sum().item() > 0, "second-order gradient is zero");
        }
    }

    @Test
    void insideADualLevelTheLayerComposesItsStepsSoForwardModeWorks() {
        Gru gru = new Gru(3, 4, 1, true, new Random(1), DType.FLOAT64);
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(2), 2, 3, 3);
        Tensor v = Tensor.randn(DType.FLOAT64, new Random(3), 2, 3, 3);
        double eps = 1e-6;
        Tensor fd = gru.forward(x.add(v.mul(eps))).sub(gru.forward(x.sub(v.mul(eps)))).div(2 * eps);
        try (ForwardAD.Level level = ForwardAD.dualLevel()) {
            Tensor jv = ForwardAD.tangent(gru.forward(ForwardAD.makeDual(x, v)));
            double worst = jv.sub(fd).abs().max().item();
            assertTrue(worst < 1e-8, "jvp differs from finite differences by " + worst);
        }
    }

    /** A GRU read out at its last step, for the DataParallel check. */
    private static final class LastStep extends Layer {
        private final Gru gru;
        private final Linear head;

        LastStep(Random rng) {
            gru = registerModule("gru", new Gru(3, 5, 1, true, rng, DType.FLOAT64));
            head = registerModule("head", new Linear(5, 4, true, rng, DType.FLOAT64));
        }

        @Override
        public Tensor forward(Tensor x) {
            return head.call(gru.forward(x, null).state().h().select(0, 0));
        }
    }

    @Test
    void dataParallelThreadsRunTheFusedOpAndGetTheWholeBatchsGradients() {
        Random rng = new Random(9);
        LastStep model = new LastStep(rng);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 6, 4, 3);
        int[] labels = {0, 1, 2, 3, 1, 0};
        try (Tape tape = Tape.record()) {
            tape.backward(Losses.crossEntropy(model.call(x), labels));
        }
        List<double[]> expected = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            expected.add(p.grad().toDoubleArray());
        }
        model.zeroGrad();
        try (DataParallel parallel = new DataParallel(model, 2)) {
            parallel.backward(x, labels, Losses::crossEntropy);
        }
        for (int i = 0; i < expected.size(); i++) {
            double[] got = model.parameters().get(i).grad().toDoubleArray();
            for (int j = 0; j < got.length; j++) {
                assertEquals(expected.get(i)[j], got[j], 1e-13, "parameter " + i + " element " + j);
            }
        }
    }
}
