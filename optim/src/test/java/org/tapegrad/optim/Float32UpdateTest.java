package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * The float32 update of every optimizer, for every combination of its options, against the double update: the same
 * float32 parameters and gradients, updated once with double state and double arithmetic (the reference: how every
 * dtype was updated before the state followed the parameter's dtype) and once with float state and float arithmetic
 * (what {@link Optimizer#step()} now does for float32), on sizes that do not fill whole SIMD registers, over arrays
 * longer than the parameter (as EJML storage may be).
 */
class Float32UpdateTest {
    static final int[] SIZES = {1, 7, 33, 1001};
    static final int STEPS = 8;
    /** Elements past the parameter's end, which no update may touch. */
    static final int PAD = 3;
    static final float SENTINEL = 42f;
    /**
     * Bound on max|float - double| / max(1, max|double|), for θ after every step and for each state buffer after the
     * last. Each step rounds a handful of times to float (2^-24 ≈ 6e-8 relative each) and carries the earlier errors
     * along; the largest value over these cases is 4.5e-7 (RMSProp's momentum buffer, which sums terms of about 10).
     * A wrong formula is off by far more.
     */
    static final double TOL = 1e-6;

    /** One optimizer per combination of its options (invalid ones left out), over a placeholder parameter. */
    static List<Optimizer<?>> cases() {
        List<Tensor> ps = List.of(Tensor.zeros(DType.FLOAT32, 1));
        List<Optimizer<?>> out = new ArrayList<>();
        for (double wd : new double[] {0, 0.05}) {
            for (double momentum : new double[] {0, 0.9}) {
                for (double dampening : new double[] {0, 0.3}) {
                    for (boolean nesterov : new boolean[] {false, true}) {
                        if (!nesterov || (momentum > 0 && dampening == 0)) {
                            out.add(new Sgd(ps, new Sgd.Options(0.1, momentum, dampening, nesterov, wd)));
                        }
                    }
                }
            }
            for (boolean amsgrad : new boolean[] {false, true}) {
                // betas (0.8, 0.5): v falls often, so the running maximum of amsgrad matters.
                for (double[] betas : new double[][] {{0.9, 0.999}, {0.8, 0.5}}) {
                    out.add(new Adam(ps, new Adam.Options(0.01, betas[0], betas[1], 1e-8, wd, amsgrad)));
                    out.add(new AdamW(ps, new AdamW.Options(0.01, betas[0], betas[1], 1e-8, wd, amsgrad)));
                }
            }
            for (double momentum : new double[] {0, 0.9}) {
                for (boolean centered : new boolean[] {false, true}) {
                    out.add(new RmsProp(ps, new RmsProp.Options(0.01, 0.99, 1e-8, wd, momentum, centered)));
                }
            }
            for (double lrDecay : new double[] {0, 0.1}) {
                for (double initial : new double[] {0, 0.1}) {
                    out.add(new Adagrad(ps, new Adagrad.Options(0.1, lrDecay, wd, initial, 1e-10)));
                }
            }
        }
        return out;
    }

    @Test
    void everyOptimizerAndOptionCombinationIsCovered() {
        Map<String, Integer> expected = Map.of("Sgd", 10, "Adam", 8, "AdamW", 8, "RmsProp", 8, "Adagrad", 8);
        Map<String, Integer> counts = new HashMap<>();
        for (Optimizer<?> o : cases()) {
            counts.merge(o.getClass().getSimpleName(), 1, Integer::sum);
        }
        assertEquals(expected, counts);
    }

    @Test
    void float32UpdateFollowsTheDoubleUpdate() {
        Set<String> failures = new TreeSet<>();
        for (Optimizer<?> opt : cases()) {
            for (int n : SIZES) {
                String failure = compare(opt, n);
                if (failure != null) {
                    failures.add(failure);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** Runs both updates from the same start; returns a description of the first difference beyond TOL, or null. */
    static <O extends Optimizer.Hyperparameters> String compare(Optimizer<O> opt, int n) {
        O options = opt.paramGroups().get(0).options();
        double lr = opt.paramGroups().get(0).lr();
        Random rng = new Random(7 + n);
        float[] reference = padded(rng, n);
        float[] fast = reference.clone();
        ParamState s64 = opt.newState(options, DType.FLOAT64, n);
        ParamState s32 = opt.newState(options, DType.FLOAT32, n);
        String where = options + ", n = " + n;
        for (int step = 1; step <= STEPS; step++) {
            float[] g = padded(rng, n);
            s64.step = step;
            s32.step = step;
            opt.update(options, lr, s64, new ArrayView.F32(reference, n), new ArrayView.F32(g, n));
            if (step % 2 == 1) {
                opt.updateFloat32(options, lr, s32, fast, g, 0, n);
            } else { // in two ranges, as a parallel step does: the same values
                opt.updateFloat32(options, lr, s32, fast, g, 0, n / 3);
                opt.updateFloat32(options, lr, s32, fast, g, n / 3, n);
            }
            String diff = difference(new ArrayView.F32(reference, n), new ArrayView.F32(fast, n));
            if (diff != null) {
                return where + ": θ after step " + step + ": " + diff;
            }
        }
        for (int i = n; i < n + PAD; i++) {
            if (fast[i] != SENTINEL) {
                return where + ": element " + i + " past the parameter's end was written";
            }
        }
        for (String name : s64.buffers().keySet()) {
            String diff = difference(s64.buffers().get(name), s32.buffers().get(name));
            if (diff != null) {
                return where + ": " + name + " after " + STEPS + " steps: " + diff;
            }
        }
        return null;
    }

    /** n values from N(0, 1), then PAD sentinels. */
    static float[] padded(Random rng, int n) {
        float[] a = new float[n + PAD];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        Arrays.fill(a, n, n + PAD, SENTINEL);
        return a;
    }

    /** Null if |actual - expected| ≤ TOL · max(1, max|expected|) everywhere, else the first element where not. */
    static String difference(ArrayView expected, ArrayView actual) {
        double scale = 1;
        for (int i = 0; i < expected.size(); i++) {
            scale = Math.max(scale, Math.abs(expected.get(i)));
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!(Math.abs(actual.get(i) - expected.get(i)) <= TOL * scale)) {
                return "element " + i + " is " + actual.get(i) + ", expected " + expected.get(i)
                        + " (largest |expected| " + scale + ")";
            }
        }
        return null;
    }
}
