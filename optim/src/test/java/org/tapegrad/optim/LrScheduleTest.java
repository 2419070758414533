package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;

/** Each schedule's learning-rate sequence against its closed form (and literal values where they are round). */
class LrScheduleTest {
    static final double TOL = 1e-12;

    static Sgd optimizer(double lr) {
        return new Sgd(List.of(Tensor.zeros(1)), Sgd.Options.of(lr));
    }

    /** The learning rate of group 0 at epochs 0..n-1: after construction, then after each step. */
    static double[] lrs(LrScheduler s, int n) {
        double[] out = new double[n];
        for (int e = 0; e < n; e++) {
            if (e > 0) {
                s.step();
            }
            out[e] = s.optimizer().paramGroups().get(0).lr();
            assertEquals(out[e], s.lastLr()[0], 0.0);
            assertEquals(e, s.lastEpoch());
        }
        return out;
    }

    static double[] closedForm(int n, Function<Integer, Double> f) {
        double[] out = new double[n];
        for (int e = 0; e < n; e++) {
            out[e] = f.apply(e);
        }
        return out;
    }

    @Test
    void stepLr() {
        double[] expected = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125};
        assertArrayEquals(expected, lrs(new StepLr(optimizer(0.1), 3, 0.5), 10), TOL);
    }

    @Test
    void multiStepLr() {
        double[] expected = {1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01};
        assertArrayEquals(expected, lrs(new MultiStepLr(optimizer(1), new int[] {5, 2}), 8), TOL);
    }

    @Test
    void exponentialLr() {
        assertArrayEquals(closedForm(20, e -> 0.1 * Math.pow(0.9, e)), lrs(new ExponentialLr(optimizer(0.1), 0.9), 20),
                TOL);
    }

    @Test
    void cosineAnnealingLr() {
        double[] got = lrs(new CosineAnnealingLr(optimizer(0.1), 10, 0.001), 16);
        assertArrayEquals(closedForm(16, e -> 0.001 + (0.1 - 0.001) * (1 + Math.cos(Math.PI * e / 10)) / 2), got, TOL);
        assertEquals(0.1, got[0], TOL);
        assertEquals(0.0505, got[5], TOL);  // halfway: (0.1 + 0.001)/2
        assertEquals(0.001, got[10], TOL); // etaMin at tMax
    }

    @Test
    void linearLr() {
        // factor 0.25 → 1 over 4 epochs, base 0.4: 0.4·[0.25, 0.4375, 0.625, 0.8125, 1, 1, ...]
        double[] expected = {0.1, 0.175, 0.25, 0.325, 0.4, 0.4, 0.4};
        assertArrayEquals(expected, lrs(new LinearLr(optimizer(0.4), 0.25, 1.0, 4), 7), TOL);
        assertEquals(0.4 / 3, new LinearLr(optimizer(0.4)).lastLr()[0], TOL); // PyTorch's default start factor 1/3
    }

    @Test
    void oneCycleLr() {
        // maxLr 1, 100 steps: initial 1/25 = 0.04, min 0.04/1e4 = 4e-6, warm-up ends at step 0.3·100 - 1 = 29.
        Sgd opt = optimizer(123); // the optimizer's own rate is ignored
        double[] got = lrs(new OneCycleLr(opt, 1.0, 100), 101);
        double[] expected = closedForm(101, e -> e <= 29
                ? 1 + (0.04 - 1) / 2 * (Math.cos(Math.PI * e / 29.0) + 1)
                : 4e-6 + (1 - 4e-6) / 2 * (Math.cos(Math.PI * (e - 29) / 70.0) + 1));
        assertArrayEquals(expected, got, TOL);
        assertEquals(0.04, got[0], TOL);
        assertEquals(1.0, got[29], TOL);
        assertEquals(4e-6, got[99], TOL);
        OneCycleLr s = new OneCycleLr(optimizer(1), 1.0, 3);
        s.step();
        s.step();
        s.step();
        assertThrows(IllegalStateException.class, s::step);
    }

    /**
     * PyTorch's OneCycleLR momentum (defaults 0.85 / 0.95, 10 steps, warm-up to step 2): SGD's momentum and Adam's
     * β₁ move inversely to the rate, with values worked out from the formula; Adagrad, which has none, is refused
     * unless cycling is off; a restored schedule restores the step's momentum.
     */
    @Test
    void oneCycleLrCyclesMomentumInverselyToTheRate() {
        java.util.function.IntToDoubleFunction expected = e -> e <= 2
                ? 0.85 + (0.95 - 0.85) / 2 * (Math.cos(Math.PI * e / 2.0) + 1)
                : 0.95 + (0.85 - 0.95) / 2 * (Math.cos(Math.PI * (e - 2) / 7.0) + 1);
        Sgd sgd = new Sgd(List.of(Tensor.zeros(1)), Sgd.Options.of(0.1).withMomentum(0.5));
        Adam adam = new Adam(List.of(Tensor.zeros(1)), Adam.Options.of(0.1));
        OneCycleLr s1 = new OneCycleLr(sgd, 1.0, 10);
        OneCycleLr s2 = new OneCycleLr(adam, 1.0, 10);
        for (int e = 0; e < 10; e++) {
            assertEquals(expected.applyAsDouble(e), sgd.paramGroups().get(0).options().momentum(), TOL, "sgd " + e);
            assertEquals(expected.applyAsDouble(e), adam.paramGroups().get(0).options().beta1(), TOL, "adam " + e);
            assertEquals(0.999, adam.paramGroups().get(0).options().beta2(), 0);
            s1.step();
            s2.step();
        }
        assertEquals(0.85, expected.applyAsDouble(2), TOL); // the lowest momentum at the peak rate
        Adagrad adagrad = new Adagrad(List.of(Tensor.zeros(1)), Adagrad.Options.of(0.1));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new OneCycleLr(adagrad, 1.0, 10));
        assertTrue(e.getMessage().contains("construct OneCycleLr with cycleMomentum false"), e.getMessage());
        new OneCycleLr(adagrad, 1.0, 10, 0.3, 25, 1e4, false, 0.85, 0.95).step(); // no momentum: fine without cycling
        Sgd resumed = new Sgd(List.of(Tensor.zeros(1)), Sgd.Options.of(0.1));
        OneCycleLr restored = new OneCycleLr(resumed, 1.0, 10);
        restored.loadStateDict(s1.stateDict()); // s1 is at step 10
        assertEquals(expected.applyAsDouble(10), resumed.paramGroups().get(0).options().momentum(), TOL);
    }

    @Test
    void sequentialWarmupThenCosine() {
        // Two groups with base rates 0.1 and 1: warm-up 0.1 → 1 over 5 epochs, then cosine over 10 epochs to 0.
        Tensor a = Tensor.zeros(1);
        Tensor b = Tensor.zeros(1);
        Sgd opt = new Sgd(List.of(new ParamGroup<>(List.of(a), Sgd.Options.of(0.1)),
                new ParamGroup<>(List.of(b), Sgd.Options.of(1.0))));
        LinearLr warmup = new LinearLr(opt, 0.1, 1.0, 5);
        CosineAnnealingLr cosine = new CosineAnnealingLr(opt, 10, 0);
        SequentialLr s = new SequentialLr(opt, List.of(warmup, cosine), new int[] {5});
        for (int e = 0; e < 18; e++) {
            if (e > 0) {
                s.step();
            }
            for (int g = 0; g < 2; g++) {
                double base = g == 0 ? 0.1 : 1.0;
                double expected = e < 5
                        ? base * (0.1 + 0.9 * e / 5)
                        : base * (1 + Math.cos(Math.PI * (e - 5) / 10)) / 2;
                assertEquals(expected, opt.paramGroups().get(g).lr(), TOL, "group " + g + " epoch " + e);
                assertEquals(expected, s.lastLr()[g], TOL);
            }
        }
        assertEquals(17, s.lastEpoch());
        assertEquals(0.0, s.lastLr()[1] - (1 + Math.cos(Math.PI * 12 / 10)) / 2, TOL);
    }

    @Test
    void reduceLrOnPlateauPatienceCooldownAndMinLr() {
        Sgd opt = optimizer(1.0);
        ReduceLrOnPlateau s = new ReduceLrOnPlateau(opt, ReduceLrOnPlateau.Options.defaults()
                .withFactor(0.5).withPatience(2).withCooldown(1).withMinLr(0.2));
        double[] metrics = {10, 9, 9, 9, 9, 9, 9, 9, 9, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5};
        // e1-2 improve; e3, e4 bad (1, 2 ≤ patience); e5 bad 3 > 2 → 0.5, cooldown 1; e6 bad ignored (cooldown);
        // e7, e8 bad 1, 2; e9 bad 3 → 0.25; e10 improves (8.5), cooldown ends; e11, e12 bad; e13 → max(0.125, 0.2)
        // = 0.2; e14 cooldown; e15, e16 bad; e17 → max(0.1, 0.2) = 0.2: no change.
        double[] expected = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2};
        double[] got = new double[metrics.length];
        for (int e = 0; e < metrics.length; e++) {
            s.step(metrics[e]);
            got[e] = opt.paramGroups().get(0).lr();
        }
        assertArrayEquals(expected, got, TOL);
        assertEquals(8.5, s.best(), 0.0);
        assertEquals(17, s.lastEpoch());
    }

    @Test
    void reduceLrOnPlateauMaxModeAndThreshold() {
        Sgd opt = optimizer(1.0);
        ReduceLrOnPlateau s = new ReduceLrOnPlateau(opt, ReduceLrOnPlateau.Options.defaults()
                .withMode(ReduceLrOnPlateau.Mode.MAX).withPatience(0)
                .withThreshold(0.1, ReduceLrOnPlateau.ThresholdMode.ABS));
        s.step(0.5);  // better than -inf
        s.step(0.65); // 0.65 > 0.5 + 0.1: better
        assertEquals(1.0, opt.paramGroups().get(0).lr(), 0.0);
        s.step(0.7);  // not > 0.75: bad 1 > patience 0 → 0.1
        assertEquals(0.1, opt.paramGroups().get(0).lr(), TOL);
        assertEquals(0.65, s.best(), 0.0);
    }

    @Test
    void schedulesResumeFromTheirStateDict() {
        CosineAnnealingLr a = new CosineAnnealingLr(optimizer(0.1), 20, 0);
        lrs(a, 8);
        Sgd opt = optimizer(0.1);
        CosineAnnealingLr b = new CosineAnnealingLr(opt, 20, 0);
        b.loadStateDict(a.stateDict());
        a.step();
        b.step();
        assertEquals(8, b.lastEpoch());
        assertEquals(a.lastLr()[0], opt.paramGroups().get(0).lr(), 0.0);

        ReduceLrOnPlateau p = new ReduceLrOnPlateau(optimizer(1), ReduceLrOnPlateau.Options.defaults().withPatience(1));
        p.step(3);
        p.step(4);
        ReduceLrOnPlateau q = new ReduceLrOnPlateau(optimizer(1), ReduceLrOnPlateau.Options.defaults().withPatience(1));
        q.loadStateDict(p.stateDict());
        q.step(4); // second bad epoch in a row > patience 1: reduces only if the bad count was restored
        assertEquals(0.1, q.lastLr()[0], TOL);
        assertEquals(3.0, q.best(), 0.0);

        Sgd o1 = optimizer(1);
        SequentialLr s1 = new SequentialLr(o1, List.of(new LinearLr(o1, 0.5, 1, 2), new ExponentialLr(o1, 0.5)),
                new int[] {2});
        for (int i = 0; i < 4; i++) {
            s1.step();
        }
        Sgd o2 = optimizer(1);
        SequentialLr s2 = new SequentialLr(o2, List.of(new LinearLr(o2, 0.5, 1, 2), new ExponentialLr(o2, 0.5)),
                new int[] {2});
        s2.loadStateDict(s1.stateDict());
        s1.step();
        s2.step();
        assertEquals(0.125, s2.lastLr()[0], TOL); // epoch 5 = exponential epoch 3: 0.5³
        assertEquals(s1.lastLr()[0], o2.paramGroups().get(0).lr(), 0.0);
    }
}
