package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Sequential;

/** The monitor's figures against values computed directly from the gradients, outputs and parameters. */
class StatisticsTest {
    private static final double TOL = 1e-6;

    @Test
    void recordMatchesDirectComputation() {
        Sequential model = MonitorFixtures.small(3);
        Linear first = (Linear) model.get(0);
        try (Scope s = Tape.noGrad()) {
            Tensor b = first.bias();
            b.float32Matrix().data[0] = -100; // unit 0 of the ReLU is dead for every example: exact zero gradients
            b.markModified();
        }
        Tensor[] data = MonitorFixtures.regression(5, 3, 11);
        // The test's own probes: every layer's output, with its gradient retained.
        Map<String, Tensor> outputs = new HashMap<>();
        model.namedChildren().forEach((name, m) -> m.registerForwardHook((mod, in, out) -> {
            outputs.put(name, out.requiresGrad() ? out.retainGrad() : out);
            return null;
        }));
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        double loss = MonitorFixtures.forwardBackward(model, data[0], data[1]);
        Map<String, double[]> grads = new LinkedHashMap<>();
        Map<String, double[]> before = new LinkedHashMap<>();
        model.namedParameters().forEach((n, p) -> {
            grads.put(n, p.grad().toDoubleArray());
            before.put(n, p.toDoubleArray());
        });
        monitor.beforeStep();
        MonitorFixtures.sgd(model, 0.1);
        monitor.afterStep(loss);

        StepRecord r = monitor.records().get(0);
        assertEquals(0, r.step());
        assertEquals(loss, r.loss(), 0);
        double global = 0;
        for (Map.Entry<String, double[]> e : grads.entrySet()) {
            double[] g = e.getValue();
            ParamStats p = r.param(e.getKey());
            double sq = 0, abs = 0, max = 0;
            int zeros = 0;
            for (double v : g) {
                sq += v * v;
                abs += Math.abs(v);
                max = Math.max(max, Math.abs(v));
                zeros += v == 0 ? 1 : 0;
            }
            global += sq;
            assertEquals(Math.sqrt(sq), p.grad().norm(), TOL, e.getKey());
            assertEquals(abs / g.length, p.grad().meanAbs(), TOL, e.getKey());
            assertEquals(max, p.grad().maxAbs(), TOL, e.getKey());
            assertEquals((double) zeros / g.length, p.grad().zeroFraction(), 0, e.getKey());
            assertEquals(0, p.grad().nonFinite());
            double[] w = before.get(e.getKey());
            assertEquals(norm(w), p.norm(), 1e-5, e.getKey());
            // plain SGD: Δθ = −lr·g, so the ratio is lr·‖g‖/‖θ‖ (θ in float32, hence the tolerance)
            assertEquals(0.1 * Math.sqrt(sq) / norm(w), p.updateRatio(), 1e-5 * p.updateRatio(), e.getKey());
        }
        assertEquals(Math.sqrt(global), r.globalGradNorm(), TOL);
        assertEquals(3.0 / 12, r.param("0.weight").grad().zeroFraction(), 0, "dead unit: a zero row of W0");

        // Layer 0: both parameters together.
        double[] w0 = grads.get("0.weight");
        double[] b0 = grads.get("0.bias");
        double layerNorm = Math.sqrt(sumSquares(w0) + sumSquares(b0));
        assertEquals(layerNorm, r.layer("0").gradNorm(), TOL);
        double du = Math.sqrt(0.01 * (sumSquares(w0) + sumSquares(b0)));
        double theta = Math.sqrt(sumSquares(before.get("0.weight")) + sumSquares(before.get("0.bias")));
        assertEquals(du / theta, r.layer("0").updateRatio(), 1e-5 * du / theta);
        assertNull(r.layer("1").grad(), "a ReLU has no parameters");

        // Activations and output gradients of every layer.
        for (String name : List.of("0", "1", "2")) {
            double[] a = outputs.get(name).toDoubleArray();
            ActivationStats s = r.layer(name).activation();
            double mean = 0;
            for (double v : a) {
                mean += v / a.length;
            }
            double var = 0;
            int zeros = 0;
            for (double v : a) {
                var += (v - mean) * (v - mean) / a.length;
                zeros += v == 0 ? 1 : 0;
            }
            assertEquals(mean, s.mean(), TOL, name);
            assertEquals(Math.sqrt(var), s.std(), TOL, name);
            assertEquals((double) zeros / a.length, s.zeroFraction(), 0, name);
            assertEquals(norm(outputs.get(name).grad().toDoubleArray()), r.layer(name).outputGradNorm(), TOL, name);
        }
        // Dead units of the ReLU output [5, 4]: columns that are zero in all 5 rows, counted directly.
        double[] relu = outputs.get("1").toDoubleArray();
        int dead = 0;
        for (int j = 0; j < 4; j++) {
            boolean allZero = true;
            for (int i = 0; i < 5; i++) {
                allZero &= relu[i * 4 + j] == 0;
            }
            dead += allZero ? 1 : 0;
        }
        assertTrue(dead >= 1);
        assertEquals(dead / 4.0, r.layer("1").activation().deadFraction(), 0);
        // Backward runs from the loss: the last layer's output gradient is computed first.
        assertEquals(0, r.layer("2").backwardOrder());
        assertEquals(1, r.layer("1").backwardOrder());
        assertEquals(2, r.layer("0").backwardOrder());
    }

    @Test
    void aParameterWithoutGradientStillHasItsNormAndUpdateRatio() {
        Sequential model = MonitorFixtures.small(4);
        Tensor frozen = ((Linear) model.get(2)).bias().requiresGrad(false); // gets no gradient
        Tensor[] data = MonitorFixtures.regression(5, 3, 12);
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        double loss = MonitorFixtures.forwardBackward(model, data[0], data[1]);
        double[] before = frozen.toDoubleArray();
        monitor.beforeStep();
        MonitorFixtures.sgd(model, 0.1);
        try (Scope s = Tape.noGrad()) {
            frozen.float32Matrix().data[0] += 0.25f; // changed by something other than its gradient
            frozen.markModified();
        }
        monitor.afterStep(loss);

        ParamStats p = monitor.records().get(0).param("2.bias");
        assertNull(p.grad());
        assertEquals(norm(before), p.norm(), 1e-6);
        double change = frozen.toDoubleArray()[0] - before[0];
        assertEquals(Math.abs(change) / norm(before), p.updateRatio(), 1e-6);
    }

    @Test
    void combineEqualsStatisticsOfTheConcatenation() {
        Tensor a = Tensor.of(new float[] {3, 0, -4}, 3);
        Tensor b = Tensor.of(new float[] {0, 12}, 2);
        GradientStats together = GradientStats.of(List.of(a, b));
        GradientStats combined = GradientStats.combine(List.of(GradientStats.of(a), GradientStats.of(b)));
        assertEquals(13, together.norm(), TOL);
        assertEquals(19 / 5.0, together.meanAbs(), TOL);
        assertEquals(12, together.maxAbs(), 0);
        assertEquals(2 / 5.0, together.zeroFraction(), 0);
        assertEquals(together, combined);
    }

    @Test
    void activationStdIsAccurateFarFromZero() {
        // Mean 1e4, std 1e-2: Σ a² − n μ² would lose about 4 of the variance's digits to cancellation.
        java.util.Random rng = new java.util.Random(5);
        float[] a = new float[128 * 256];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (1e4 + 1e-2 * rng.nextGaussian());
        }
        double mean = 0;
        for (float v : a) {
            mean += v;
        }
        mean /= a.length;
        double var = 0;
        for (float v : a) {
            var += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(var / a.length);
        ActivationStats s = ActivationStats.of(Tensor.of(a, 128, 256));
        assertEquals(mean, s.mean(), 1e-12 * mean);
        assertEquals(std, s.std(), 1e-9 * std);
    }

    @Test
    void nonFiniteEntriesAreCounted() {
        GradientStats s = GradientStats.of(Tensor.of(new double[] {1, Double.NaN, Double.POSITIVE_INFINITY, 0}, 4));
        assertEquals(2, s.nonFinite());
        assertTrue(Double.isNaN(s.maxAbs()));
        assertTrue(Double.isNaN(s.norm()));
    }

    private static double sumSquares(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }

    private static double norm(double[] v) {
        return Math.sqrt(sumSquares(v));
    }
}
