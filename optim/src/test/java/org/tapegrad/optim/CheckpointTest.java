package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tensor;

/** Exact resume from stateDict/loadStateDict, its validation, and skipping steps with non-finite gradients. */
class CheckpointTest {

    /** Two parameters (a [3, 2] matrix and a [2] vector) of the given dtype, from a fixed seed. */
    static List<Tensor> params(DType dtype) {
        Random rng = new Random(42);
        return List.of(Tensor.randn(dtype, rng, 3, 2), Tensor.randn(dtype, rng, 2));
    }

    /** Copies of the values of {@code ps}, as fresh tensors (a "reloaded model"). */
    static List<Tensor> copies(List<Tensor> ps) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : ps) {
            Tensor c = Tensor.zeros(p.dtype(), p.shape());
            c.copyFrom(p);
            out.add(c);
        }
        return out;
    }

    /** Steps {@code from} to {@code to - 1} of a fixed pseudo-random gradient sequence (a gradient depends on θ too). */
    static void train(Optimizer<?> opt, List<Tensor> ps, int from, int to) {
        for (int step = from; step < to; step++) {
            Random rng = new Random(1000 + step);
            for (Tensor p : ps) {
                // g = θ + noise: a quadratic pull toward 0 with noisy gradients.
                p.setGrad(p.add(Tensor.randn(p.dtype(), rng, p.shape())));
            }
            assertTrue(opt.step());
            opt.zeroGrad();
        }
    }

    static void exactResume(DType dtype, Function<List<Tensor>, Optimizer<?>> make) {
        List<Tensor> straight = params(dtype);
        Optimizer<?> a = make.apply(straight);
        train(a, straight, 0, 10);

        List<Tensor> first = params(dtype);
        Optimizer<?> b = make.apply(first);
        train(b, first, 0, 5);
        StateDict saved = b.stateDict();
        train(b, first, 5, 7); // the saved state must be a copy, unaffected by later steps

        List<Tensor> resumed = copies(paramsAfter(dtype, make, 5));
        Optimizer<?> c = make.apply(resumed);
        c.loadStateDict(saved);
        train(c, resumed, 5, 10);

        for (int i = 0; i < straight.size(); i++) {
            assertArrayEquals(straight.get(i).toDoubleArray(), resumed.get(i).toDoubleArray(), 0.0,
                    "parameter " + i + " after 5 + 5 steps");
        }
    }

    /** The parameters after {@code steps} steps of a fresh run (what a model checkpoint would hold). */
    static List<Tensor> paramsAfter(DType dtype, Function<List<Tensor>, Optimizer<?>> make, int steps) {
        List<Tensor> ps = params(dtype);
        train(make.apply(ps), ps, 0, steps);
        return ps;
    }

    @Test
    void sgdWithMomentumResumesBitForBit() {
        exactResume(DType.FLOAT64, ps -> new Sgd(ps, Sgd.Options.of(0.05).withMomentum(0.9).withWeightDecay(1e-3)));
        exactResume(DType.FLOAT32, ps -> new Sgd(ps, Sgd.Options.of(0.05).withMomentum(0.9).withNesterov(true)));
    }

    @Test
    void adamResumesBitForBit() {
        exactResume(DType.FLOAT64, ps -> new Adam(ps, Adam.Options.of(0.01).withAmsgrad(true)));
        exactResume(DType.FLOAT32, ps -> new Adam(ps, Adam.Options.of(0.01)));
    }

    @Test
    void otherOptimizersResumeBitForBit() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            exactResume(dtype, ps -> new AdamW(ps, AdamW.Options.of(0.01)));
            exactResume(dtype, ps -> new RmsProp(ps, RmsProp.Options.of(0.01).withMomentum(0.5).withCentered(true)));
            exactResume(dtype, ps -> new Adagrad(ps, Adagrad.Options.of(0.1).withLrDecay(0.01)));
        }
    }

    @Test
    void float64StateOfFloat32ParametersStillLoads() {
        // Checkpoints written while the state was double for every dtype hold float64 tensors for float32 parameters.
        Function<List<Tensor>, Optimizer<?>> make = ps -> new Adam(ps, Adam.Options.of(0.01).withAmsgrad(true));
        List<Tensor> straight = params(DType.FLOAT32);
        train(make.apply(straight), straight, 0, 10);

        List<Tensor> first = params(DType.FLOAT32);
        Optimizer<?> b = make.apply(first);
        train(b, first, 0, 5);
        StateDict saved = b.stateDict();
        Map<String, Tensor> widened = new HashMap<>();
        saved.tensors().forEach((name, t) -> widened.put(name, t.to(DType.FLOAT64)));

        List<Tensor> resumed = copies(first);
        Optimizer<?> c = make.apply(resumed);
        c.loadStateDict(new StateDict(widened, saved.values()));
        assertEquals(DType.FLOAT32, c.stateDict().tensor("state.0.exp_avg").dtype());
        train(c, resumed, 5, 10);
        for (int i = 0; i < straight.size(); i++) {
            // float values widened to double and rounded back are the same floats: an exact resume.
            assertArrayEquals(straight.get(i).toDoubleArray(), resumed.get(i).toDoubleArray(), 0.0,
                    "parameter " + i + " after 5 + 5 steps");
        }

        // Double values that are not floats load rounded to the nearest float.
        Map<String, Tensor> doubles = new HashMap<>(widened);
        doubles.put("state.1.exp_avg", Tensor.of(DType.FLOAT64, new double[] {0.1, 1.0 / 3}, 2));
        Optimizer<?> d = make.apply(copies(first));
        d.loadStateDict(new StateDict(doubles, saved.values()));
        assertArrayEquals(new float[] {0.1f, 1.0f / 3}, d.stateDict().tensor("state.1.exp_avg").toFloatArray(), 0f);
    }

    @Test
    void resumingWithoutTheStateDiffers() {
        // Guards the test above: without loadStateDict, 5 more steps from the same parameters do not match.
        Function<List<Tensor>, Optimizer<?>> make = ps -> new Adam(ps, Adam.Options.of(0.01));
        List<Tensor> straight = params(DType.FLOAT64);
        train(make.apply(straight), straight, 0, 10);
        List<Tensor> restarted = copies(paramsAfter(DType.FLOAT64, make, 5));
        train(make.apply(restarted), restarted, 5, 10);
        assertNotEquals(straight.get(1).get(0), restarted.get(1).get(0));
    }

    @Test
    void stateDictNamesEntriesByParameterIndexAcrossGroups() {
        List<Tensor> ps = params(DType.FLOAT32);
        Tensor extra = Tensor.zeros(DType.FLOAT32, 4);
        Adam opt = new Adam(List.of(new ParamGroup<>(ps, Adam.Options.of(0.01)),
                new ParamGroup<>(List.of(extra), Adam.Options.of(0.1))));
        ps.get(1).setGrad(Tensor.ones(DType.FLOAT32, 2));
        extra.setGrad(Tensor.ones(DType.FLOAT32, 4));
        opt.step();
        StateDict s = opt.stateDict();
        assertEquals(List.of("state.1.exp_avg", "state.1.exp_avg_sq", "state.2.exp_avg", "state.2.exp_avg_sq"),
                List.copyOf(s.tensors().keySet()));
        assertEquals("1", s.value("state.1.step"));
        assertFalse(s.values().containsKey("state.0.step"), "parameter 0 had no gradient, so no state");
        assertEquals("0,1", s.value("param_groups.0.params"));
        assertEquals("2", s.value("param_groups.1.params"));
        assertEquals("0.1", s.value("param_groups.1.lr"));
        assertEquals(DType.FLOAT32, s.tensor("state.2.exp_avg").dtype(), "state has the parameter's dtype");
        assertArrayEquals(new int[] {4}, s.tensor("state.2.exp_avg").shape());
        // exp_avg = (1 - 0.9)·1, with 1 - 0.9 computed in double and rounded to float: 0.1f
        assertEquals(0.1f, s.tensor("state.2.exp_avg").get(3), 0.0);
    }

    @Test
    void loadRestoresLearningRates() {
        List<Tensor> ps = params(DType.FLOAT64);
        Sgd a = new Sgd(ps, Sgd.Options.of(0.1));
        a.paramGroups().get(0).setLr(0.025);
        Sgd b = new Sgd(copies(ps), Sgd.Options.of(0.1));
        b.loadStateDict(a.stateDict());
        assertEquals(0.025, b.paramGroups().get(0).lr(), 0.0);
    }

    @Test
    void loadRefusesMissingEntriesAndWrongShapesNamingThem() {
        List<Tensor> ps = params(DType.FLOAT64);
        Adam a = new Adam(ps, Adam.Options.of(0.01));
        train(a, ps, 0, 1);
        StateDict good = a.stateDict();

        Map<String, Tensor> tensors = new HashMap<>(good.tensors());
        tensors.remove("state.1.exp_avg_sq");
        Adam b = new Adam(copies(ps), Adam.Options.of(0.01));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.loadStateDict(new StateDict(tensors, good.values())));
        assertEquals("loadStateDict: missing tensor 'state.1.exp_avg_sq'", e.getMessage());

        Map<String, Tensor> wrongShape = new HashMap<>(good.tensors());
        wrongShape.put("state.0.exp_avg", Tensor.zeros(DType.FLOAT64, 2, 3));
        e = assertThrows(IllegalArgumentException.class,
                () -> b.loadStateDict(new StateDict(wrongShape, good.values())));
        assertEquals("loadStateDict: 'state.0.exp_avg' has shape [2, 3] but parameter 0 has shape [3, 2]",
                e.getMessage());

        Map<String, String> values = new HashMap<>(good.values());
        values.remove("param_groups.0.lr");
        e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(new StateDict(good.tensors(), values)));
        assertEquals("loadStateDict: missing value 'param_groups.0.lr'", e.getMessage());

        // A state for three parameters does not load into an optimizer of two.
        List<Tensor> three = new ArrayList<>(params(DType.FLOAT64));
        three.add(Tensor.zeros(DType.FLOAT64, 1));
        Adam big = new Adam(three, Adam.Options.of(0.01));
        train(big, three, 0, 1);
        e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(big.stateDict()));
        assertEquals("loadStateDict: param_groups.0.params is \"0,1,2\" but this optimizer's group 0 holds "
                + "parameters \"0,1\"", e.getMessage());

        // Refused loads change nothing: b still has no state.
        assertTrue(b.stateDict().tensors().isEmpty());
    }

    @Test
    void nonFiniteGradientSkipsTheStepAndLeavesEverythingUnchanged() {
        List<Tensor> ps = params(DType.FLOAT32);
        Adam opt = new Adam(ps, Adam.Options.of(0.01));
        opt.setSkipNonFinite(true);
        train(opt, ps, 0, 2);
        double[] before0 = ps.get(0).toDoubleArray();
        double[] before1 = ps.get(1).toDoubleArray();
        StateDict stateBefore = opt.stateDict();

        ps.get(0).setGrad(Tensor.ones(DType.FLOAT32, 3, 2));
        ps.get(1).setGrad(Tensor.of(new float[] {1f, Float.NaN}, 2));
        assertFalse(opt.step());
        ps.get(1).setGrad(Tensor.of(new float[] {Float.POSITIVE_INFINITY, 1f}, 2));
        assertFalse(opt.step());

        assertEquals(2, opt.skippedSteps());
        assertArrayEquals(before0, ps.get(0).toDoubleArray(), 0.0);
        assertArrayEquals(before1, ps.get(1).toDoubleArray(), 0.0);
        StateDict stateAfter = opt.stateDict();
        assertEquals("2", stateAfter.value("state.0.step"));
        for (String name : stateBefore.tensors().keySet()) {
            assertArrayEquals(stateBefore.tensor(name).toDoubleArray(), stateAfter.tensor(name).toDoubleArray(), 0.0,
                    name);
        }
        assertEquals("2", stateAfter.value("skipped_steps"));

        // A finite gradient steps again.
        ps.get(1).setGrad(Tensor.ones(DType.FLOAT32, 2));
        assertTrue(opt.step());
        assertNotEquals(before1[0], ps.get(1).get(0));
    }

    @Test
    void withoutSkippingANonFiniteGradientIsApplied() {
        Tensor p = Tensor.of(new double[] {1, 2}, 2);
        Sgd opt = new Sgd(List.of(p), Sgd.Options.of(0.1));
        p.setGrad(Tensor.of(new double[] {Double.NaN, 1}, 2));
        assertTrue(opt.step());
        assertTrue(Double.isNaN(p.get(0)));
        assertEquals(0, opt.skippedSteps());
    }
}
