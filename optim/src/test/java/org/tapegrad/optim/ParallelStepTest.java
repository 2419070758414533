package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.gemm.WorkerTeam;

/**
 * {@link Optimizer#step(WorkerTeam)} cuts every float32 parameter into one range per thread; since no element's update
 * reads another's, it must give the same bits as {@link Optimizer#step()}, for every optimizer, for parameters of
 * sizes that do and do not split evenly (and smaller than one range), and for float64 parameters updated whole.
 */
class ParallelStepTest {
    private static final WorkerTeam TEAM = new WorkerTeam(3, "parallel-step-test");
    private static final int[][] SHAPES = {{37, 29}, {5}, {1}, {64, 16}, {3, 1001}};

    @AfterAll
    static void closeTeam() {
        TEAM.close();
    }

    private static List<Tensor> params(DType dtype, long seed) {
        Random rng = new Random(seed);
        List<Tensor> params = new ArrayList<>();
        for (int[] shape : SHAPES) {
            params.add(Tensor.randn(dtype, rng, shape).requiresGrad(true));
        }
        return params;
    }

    private static void setGradients(List<Tensor> params, Random rng) {
        for (Tensor p : params) {
            p.setGrad(Tensor.randn(p.dtype(), rng, p.shape()));
        }
    }

    private static void assertSameSteps(String name, Function<List<Tensor>, Optimizer<?>> make) {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            List<Tensor> alone = params(dtype, 1);
            List<Tensor> parallel = params(dtype, 1);
            Optimizer<?> one = make.apply(alone);
            Optimizer<?> team = make.apply(parallel);
            Random g1 = new Random(2);
            Random g2 = new Random(2);
            for (int step = 1; step <= 4; step++) {
                setGradients(alone, g1);
                setGradients(parallel, g2);
                one.step();
                team.step(TEAM);
                for (int i = 0; i < alone.size(); i++) {
                    assertArrayEquals(alone.get(i).toDoubleArray(), parallel.get(i).toDoubleArray(), 0.0,
                            name + " " + dtype + " step " + step + " parameter " + i);
                }
            }
        }
    }

    @Test
    void everyOptimizerGivesTheSameBitsOnATeam() {
        assertSameSteps("sgd", p -> new Sgd(p, new Sgd.Options(0.1, 0, 0, false, 0)));
        assertSameSteps("momentum", p -> new Sgd(p, new Sgd.Options(0.1, 0.9, 0, true, 1e-2)));
        assertSameSteps("adam", p -> new Adam(p, new Adam.Options(1e-2, 0.9, 0.999, 1e-8, 1e-3, true)));
        assertSameSteps("adamw", p -> new AdamW(p, new AdamW.Options(1e-2, 0.9, 0.999, 1e-8, 1e-2, false)));
        assertSameSteps("rmsprop", p -> new RmsProp(p, new RmsProp.Options(1e-2, 0.99, 1e-8, 0, 0.9, true)));
        assertSameSteps("adagrad", p -> new Adagrad(p, new Adagrad.Options(1e-2, 1e-3, 0, 0.1, 1e-10)));
    }

    @Test
    void aParameterWithoutGradientIsLeftAloneAndANonFiniteStepIsSkipped() {
        List<Tensor> params = params(DType.FLOAT32, 3);
        double[] before = params.get(1).toDoubleArray();
        Sgd sgd = new Sgd(params, new Sgd.Options(0.1, 0.9, 0, false, 0));
        setGradients(params, new Random(4));
        params.get(1).setGrad(null);
        sgd.step(TEAM);
        assertArrayEquals(before, params.get(1).toDoubleArray(), 0.0);
        sgd.setSkipNonFinite(true);
        params.get(0).grad().float32Matrix().data[3] = Float.NaN;
        double[] kept = params.get(0).toDoubleArray();
        assertFalse(sgd.step(TEAM));
        assertArrayEquals(kept, params.get(0).toDoubleArray(), 0.0);
        assertEquals(1, sgd.skippedSteps());
    }
}
