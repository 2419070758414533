package org.tapegrad.usertest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.gemm.WorkerTeam;
import org.tapegrad.optim.ArrayView;
import org.tapegrad.optim.LambdaLr;
import org.tapegrad.optim.LrScheduler;
import org.tapegrad.optim.Optimizer;
import org.tapegrad.optim.ParamGroup;
import org.tapegrad.optim.ParamState;

/**
 * An optimizer and a schedule written outside the library's packages, as a user would: the public extension
 * contract of {@link Optimizer} and {@link LrScheduler} is enough.
 */
class UserOptimizerTest {

    /**
     * Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"), with decoupled weight decay:
     * c = β₁m + (1-β₁)g;  θ ← θ - γ(sign(c) + λθ);  m ← β₂m + (1-β₂)g.
     */
    static final class Lion extends Optimizer<Lion.Options> {
        record Options(double lr, double beta1, double beta2, double weightDecay) implements Optimizer.Hyperparameters {
            Options {
                if (!(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(weightDecay >= 0)) {
                    throw new IllegalArgumentException("Lion: bad hyperparameters");
                }
            }
        }

        Lion(Iterable<Tensor> params, Options options) {
            super(List.of(new ParamGroup<>(params, options)));
        }

        @Override
        protected ParamState newState(Options o, DType dtype, int numel) {
            return ParamState.withBuffers(dtype, numel, 0, "exp_avg");
        }

        @Override
        protected void update(Options o, double lr, ParamState s, ArrayView p, ArrayView g) {
            ArrayView m = s.buffer("exp_avg");
            for (int i = 0; i < p.size(); i++) {
                double c = o.beta1() * m.get(i) + (1 - o.beta1()) * g.get(i);
                p.set(i, p.get(i) - lr * (Math.signum(c) + o.weightDecay() * p.get(i)));
                m.set(i, o.beta2() * m.get(i) + (1 - o.beta2()) * g.get(i));
            }
        }
    }

    private static final double[][] GRADS = {{0.3, -0.2, 0.0}, {-0.4, -0.1, 0.5}, {0.05, 0.3, -2.0}};
    /** θ after each of the three steps, from the formula above (lr 0.1, β 0.9/0.99, λ 0.01, θ₀ = [0.5, -1, 2]). */
    private static final double[][] EXPECTED = {
        {0.3995, -0.899, 1.998},
        {0.49910050000000006, -0.798101, 1.896002},
        {0.39860139950000006, -0.8973028989999999, 1.994105998},
    };
    private static final double[] EXPECTED_EXP_AVG = {-0.0005197000000000005, 4.980000000000002e-05, -0.015050000000000013};

    private static Lion.Options options() {
        return new Lion.Options(0.1, 0.9, 0.99, 0.01);
    }

    private static void setGrad(Tensor p, double[] g) {
        p.setGrad(Tensor.of(p.dtype(), g, g.length));
    }

    @Test
    void lionTakesThreeStepsOfThePublishedFormula() {
        Tensor p = Tensor.of(DType.FLOAT64, new double[] {0.5, -1.0, 2.0}, 3).requiresGrad(true);
        Lion lion = new Lion(List.of(p), options());
        for (int step = 0; step < 3; step++) {
            setGrad(p, GRADS[step]);
            assertTrue(lion.step());
            assertArrayEquals(EXPECTED[step], p.toDoubleArray(), 1e-15, "step " + (step + 1));
        }
        StateDict state = lion.stateDict();
        assertEquals("3", state.values().get("state.0.step"));
        assertArrayEquals(EXPECTED_EXP_AVG, state.tensors().get("state.0.exp_avg").toDoubleArray(), 1e-17);
    }

    @Test
    void float32ParametersGoThroughTheSameRuleWholeAndOnATeam() throws Exception {
        Tensor p = Tensor.of(new float[] {0.5f, -1f, 2f}, 3).requiresGrad(true);
        Tensor q = Tensor.of(new float[] {0.5f, -1f, 2f}, 3).requiresGrad(true);
        Lion alone = new Lion(List.of(p), options());
        Lion onTeam = new Lion(List.of(q), options());
        try (WorkerTeam team = new WorkerTeam(2, "lion-test")) {
            for (int step = 0; step < 3; step++) {
                setGrad(p, GRADS[step]);
                setGrad(q, GRADS[step]);
                alone.step();
                onTeam.step(team);
                assertArrayEquals(EXPECTED[step], p.toDoubleArray(), 1e-6, "step " + (step + 1));
                assertArrayEquals(p.toFloatArray(), q.toFloatArray(), "team step " + (step + 1));
            }
        }
    }

    @Test
    void checkpointResumesTheRun() {
        Tensor p = Tensor.of(DType.FLOAT64, new double[] {0.5, -1.0, 2.0}, 3).requiresGrad(true);
        Lion lion = new Lion(List.of(p), options());
        setGrad(p, GRADS[0]);
        lion.step();
        StateDict saved = lion.stateDict();

        Tensor resumed = Tensor.of(DType.FLOAT64, p.toDoubleArray(), 3).requiresGrad(true);
        Lion again = new Lion(List.of(resumed), options());
        again.loadStateDict(saved);
        for (int step = 1; step < 3; step++) {
            setGrad(resumed, GRADS[step]);
            again.step();
        }
        assertArrayEquals(EXPECTED[2], resumed.toDoubleArray(), 1e-15);
    }

    /** A schedule of one's own: halves the rate every other epoch. */
    static final class HalvingLr extends LrScheduler {
        HalvingLr(Optimizer<?> optimizer) {
            super(optimizer);
            initialStep();
        }

        @Override
        protected double lrAt(double baseLr, int epoch) {
            return baseLr * Math.pow(0.5, epoch / 2);
        }
    }

    @Test
    void userSchedulesAndLambdaLrSetTheGroupsRates() {
        Tensor p = Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true);
        Lion lion = new Lion(List.of(p), options());
        HalvingLr halving = new HalvingLr(lion);
        double[] seen = new double[5];
        for (int e = 0; e < 5; e++) {
            seen[e] = lion.paramGroups().get(0).lr();
            halving.step();
        }
        assertArrayEquals(new double[] {0.1, 0.1, 0.05, 0.05, 0.025}, seen, 1e-15);

        Lion other = new Lion(List.of(Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true)), options());
        LambdaLr warmup = new LambdaLr(other, epoch -> Math.min(1.0, (epoch + 1) / 4.0));
        assertEquals(0.025, other.paramGroups().get(0).lr(), 1e-15);
        warmup.step();
        warmup.step();
        assertEquals(0.075, other.paramGroups().get(0).lr(), 1e-15);
        StateDict saved = warmup.stateDict();
        LambdaLr restored = new LambdaLr(other, epoch -> Math.min(1.0, (epoch + 1) / 4.0));
        restored.loadStateDict(saved);
        restored.step();
        assertEquals(0.1, other.paramGroups().get(0).lr(), 1e-15);
    }

    @Test
    void lambdaLrRefusesABadFactorAndChangesNothing() {
        Lion lion = new Lion(List.of(Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true)), options());
        LambdaLr bad = new LambdaLr(lion, epoch -> epoch == 2 ? Double.NaN : 1.0);
        bad.step();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::step);
        assertTrue(e.getMessage().contains("epoch 2"), e.getMessage());
        assertEquals(1, bad.lastEpoch());
        assertEquals(0.1, lion.paramGroups().get(0).lr(), 0);
    }
}
