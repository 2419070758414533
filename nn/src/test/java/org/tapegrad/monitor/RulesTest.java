package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;
import org.tapegrad.monitor.Diagnostic.Kind;
import org.tapegrad.nn.Sequential;

/** Each rule fires on a constructed case, not before its patience runs out, and stays silent on healthy figures. */
class RulesTest {
    private static final Thresholds T = Thresholds.defaults(); // patience 3

    /** A layer with parameter gradient norm g, dead fraction, update ratio u, non-finite count and backward order. */
    private static LayerStats layer(String name, double g, double dead, double u, long nonFinite, int order) {
        GradientStats grad = new GradientStats(g, g / 10, g / 2, 0, nonFinite, 100);
        return new LayerStats(name, "Linear", grad, u, new ActivationStats(0.1, 1, dead, dead, 0), 1, 0, order);
    }

    private static StepRecord record(long step, LayerStats... layers) {
        return new StepRecord(step, 1.0, 1.0, List.of(layers), List.of());
    }

    private static StepRecord healthy(long step) {
        return record(step, layer("0", 0.5, 0, 1e-3, 0, 2), layer("1", 0.8, 0.1, 2e-3, 0, 1),
                layer("2", 1.0, 0, 1e-3, 0, 0));
    }

    private static List<Diagnostic> feed(Rules rules, List<StepRecord> records) {
        List<Diagnostic> last = List.of();
        for (StepRecord r : records) {
            last = rules.apply(r);
        }
        return last;
    }

    @Test
    void healthyFiguresRaiseNothing() {
        Rules rules = new Rules(T);
        for (int s = 0; s < 20; s++) {
            assertEquals(List.of(), rules.apply(healthy(s)), "step " + s);
        }
    }

    @Test
    void vanishingNeedsPatienceConsecutiveSamples() {
        Rules rules = new Rules(T);
        // layer 0 at 1e-4 of the last layer's norm (threshold 1e-3 of it)
        StepRecord low = record(0, layer("0", 1e-4, 0, 1e-3, 0, 2), layer("2", 1.0, 0, 1e-3, 0, 0));
        assertEquals(List.of(), rules.apply(low));
        assertEquals(List.of(), rules.apply(low));
        rules.apply(healthy(2)); // the streak is broken
        assertEquals(List.of(), rules.apply(low));
        assertEquals(List.of(), rules.apply(low));
        List<Diagnostic> d = rules.apply(low);
        assertEquals(1, d.size());
        assertEquals(Kind.VANISHING, d.get(0).kind());
        assertEquals("0", d.get(0).layer());
        assertEquals(1e-4, d.get(0).value(), 0);
        assertEquals(1e-3, d.get(0).threshold(), 1e-15);
    }

    @Test
    void unwantedDiagnosticsAreNotBuiltButTheirHistoryIsKept() {
        // The monitor skips (kind, layer) pairs it has reported; the streaks must still count those samples.
        Rules filtered = new Rules(T);
        Rules plain = new Rules(T);
        StepRecord bad = record(0, layer("0", 1e-9, 0, 1.0, 0, 1), layer("1", 1e-8, 0, 1e-3, 0, 0));
        for (int s = 0; s < 3; s++) {
            List<Diagnostic> all = plain.apply(bad);
            List<Diagnostic> some = filtered.apply(bad, (kind, layer) -> kind != Kind.VANISHING);
            assertEquals(all.stream().filter(d -> d.kind() != Kind.VANISHING).toList(), some, "sample " + s);
        }
        assertEquals(List.of(Kind.UPDATE_RATIO), filtered.apply(bad, (kind, layer) -> kind != Kind.VANISHING).stream()
                .map(Diagnostic::kind).toList());
        assertEquals(plain.apply(bad), filtered.apply(bad, (kind, layer) -> true));
    }

    @Test
    void vanishingAbsoluteThresholdAppliesToTheLastLayerToo() {
        Rules rules = new Rules(T);
        StepRecord tiny = record(0, layer("0", 1e-9, 0, 1e-3, 0, 1), layer("1", 1e-8, 0, 1e-3, 0, 0));
        List<Diagnostic> d = feed(rules, List.of(tiny, tiny, tiny));
        assertEquals(List.of("0", "1"), d.stream().map(Diagnostic::layer).toList());
        assertEquals(T.vanishingNorm(), d.get(1).threshold(), 0);
    }

    @Test
    void explodingAboveTheNormAtOnce() {
        Rules rules = new Rules(T);
        List<Diagnostic> d = rules.apply(record(0, layer("0", 5e3, 0, 1e-3, 0, 1), layer("1", 1, 0, 1e-3, 0, 0)));
        assertEquals(1, d.size());
        assertEquals(Kind.EXPLODING, d.get(0).kind());
        assertEquals(5e3, d.get(0).value(), 0);
        assertEquals(T.explodingNorm(), d.get(0).threshold(), 0);
    }

    @Test
    void explodingByGrowthOverPatienceSamples() {
        Rules rules = new Rules(T);
        List<StepRecord> rising = new ArrayList<>();
        double[] norms = {0.01, 0.05, 0.3, 2.0}; // 200-fold over 3 samples, each step below 100-fold
        for (int s = 0; s < norms.length; s++) {
            rising.add(record(s, layer("0", norms[s], 0, 1e-3, 0, 1), layer("1", 1, 0, 1e-3, 0, 0)));
        }
        assertEquals(List.of(), feed(rules, rising.subList(0, 3)));
        List<Diagnostic> d = rules.apply(rising.get(3));
        assertEquals(1, d.size());
        assertEquals(Kind.EXPLODING, d.get(0).kind());
        assertEquals(200, d.get(0).value(), 1e-9);
        assertEquals(T.explodingGrowth(), d.get(0).threshold(), 0);
    }

    @Test
    void explodingGrowthComparesWithTheNormPatienceSamplesBack() {
        // Longer runs than the window: the rule must compare with the sample exactly patience back.
        double[][] runs = {{1, 1, 1, 0.01, 0.05, 0.3, 2.0}, {0.01, 1, 1, 1, 1, 1, 2.0}};
        boolean[] fires = {true, false};
        for (int k = 0; k < runs.length; k++) {
            Rules rules = new Rules(T);
            List<Diagnostic> d = List.of();
            for (int s = 0; s < runs[k].length; s++) {
                d = rules.apply(record(s, layer("0", runs[k][s], 0, 1e-3, 0, 1), layer("1", 1, 0, 1e-3, 0, 0)));
            }
            assertEquals(fires[k], d.stream().anyMatch(x -> x.kind() == Kind.EXPLODING), "run " + k);
        }
    }

    @Test
    void deadUnits() {
        Rules rules = new Rules(T);
        StepRecord dead = record(0, layer("0", 1, 0.75, 1e-3, 0, 1), layer("1", 1, 0, 1e-3, 0, 0));
        List<Diagnostic> d = feed(rules, List.of(dead, dead, dead));
        assertEquals(1, d.size());
        assertEquals(Kind.DEAD_UNITS, d.get(0).kind());
        assertEquals(0.75, d.get(0).value(), 0);
        assertEquals(0.5, d.get(0).threshold(), 0);
    }

    @Test
    void updateRatioOutsideTheBandOnBothSides() {
        Rules rules = new Rules(T);
        StepRecord r = record(0, layer("0", 1, 0, 0.5, 0, 1), layer("1", 1, 0, 1e-7, 0, 0));
        List<Diagnostic> d = feed(rules, List.of(r, r, r));
        assertEquals(2, d.size());
        assertEquals(Kind.UPDATE_RATIO, d.get(0).kind());
        assertEquals(T.updateRatioHigh(), d.get(0).threshold(), 0);
        assertEquals(T.updateRatioLow(), d.get(1).threshold(), 0);
    }

    @Test
    void nonFiniteNamesTheFirstLayerInBackwardOrder() {
        Rules rules = new Rules(T);
        // network order 0, 1, 2; backward reached 2 first, then 1, then 0; NaN in 0 and 1
        StepRecord r = record(0, layer("0", Double.NaN, 0, 1e-3, 4, 2), layer("1", Double.NaN, 0, 1e-3, 2, 1),
                layer("2", 1, 0, 1e-3, 0, 0));
        List<Diagnostic> d = rules.apply(r);
        assertEquals(1, d.size());
        assertEquals(Kind.NON_FINITE, d.get(0).kind());
        assertEquals("1", d.get(0).layer());
        assertEquals(2, d.get(0).value(), 0);
        assertTrue(d.get(0).message().contains("6 in all layers"), d.get(0).message());
    }

    @Test
    void thresholdsAreValidated() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Thresholds(1e-7, 1e-3, 1e3, 0.5, 0.5, 1e-5, 1e-1, 3));
        assertTrue(e.getMessage().contains("explodingGrowth = 0.5"), e.getMessage());
    }

    // ------------------------------------------------------------------ through the monitor, on real networks

    @Test
    void deepSigmoidNetworkVanishesAndReluDoesNot() {
        Tensor[] data = MonitorFixtures.regression(32, 8, 5);
        GradientMonitor sigmoid = train(MonitorFixtures.deep(10, 32, true, 1), data);
        GradientMonitor relu = train(MonitorFixtures.deep(10, 32, false, 1), data);
        assertTrue(sigmoid.flagged(Kind.VANISHING, "0"), sigmoid.diagnostics().toString());
        assertEquals(List.of(), relu.diagnostics(Kind.VANISHING));
        Diagnostic first = sigmoid.diagnostics(Kind.VANISHING).get(0);
        assertEquals(T.patience() - 1, first.step(), "fires at the third consecutive sample and is kept once");
        assertEquals(1, sigmoid.diagnostics().stream()
                .filter(d -> d.kind() == Kind.VANISHING && d.layer().equals("0")).count());
    }

    @Test
    void healthyRunRaisesNothing() {
        Tensor[] data = MonitorFixtures.regression(32, 3, 5);
        Sequential model = MonitorFixtures.small(2);
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        for (int s = 0; s < 20; s++) {
            MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
        }
        assertEquals(20, monitor.records().size());
        assertEquals(List.of(), monitor.diagnostics());
    }

    @Test
    void nonFiniteThroughTheMonitorNamesTheLayerWhereTheGradientBroke() {
        Tensor[] data = MonitorFixtures.regression(8, 3, 5);
        Sequential model = MonitorFixtures.small(2);
        // Registered before the monitor's, so the monitor already sees the NaN gradient at the ReLU's output.
        model.get(1).registerForwardHook((m, in, out) -> {
            out.registerHook(g -> g.mul(Double.NaN));
            return null;
        });
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
        List<Diagnostic> d = monitor.diagnostics(Kind.NON_FINITE);
        assertEquals(1, d.size(), monitor.diagnostics().toString());
        assertEquals("1", d.get(0).layer(), "layer 2's gradients are finite; 1 is where NaN first appears");
    }

    private static GradientMonitor train(Sequential model, Tensor[] data) {
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        for (int s = 0; s < 5; s++) {
            MonitorFixtures.step(model, monitor, data[0], data[1], 0.005);
        }
        monitor.close();
        return monitor;
    }

}
