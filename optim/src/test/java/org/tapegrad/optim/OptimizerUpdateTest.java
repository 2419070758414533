package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * The first three updates of each optimizer and option on one fixed problem, against values worked out from the
 * update formulas in PyTorch's documentation (not with the code under test).
 *
 * <p>The problem: θ₀ = [1, -2], and the gradients are set directly, independent of θ:
 * g₁ = [0.5, -1], g₂ = [0.25, 2], g₃ = [-1, 0.5]. Expected rows are θ after steps 1, 2 and 3.
 *
 * <p>The SGD constants are exact decimal arithmetic shown in the comments. The others involve square roots; their
 * step-1 arithmetic is in the comments and all three steps were evaluated by a separate per-element transcription of
 * the documented pseudo-code in double precision, the digits pasted here.
 *
 * <p>Each case runs on float64 parameters (the double update, {@link #TOL64}) and on float32 parameters (the float
 * update with float state, {@link #TOL32}).
 */
class OptimizerUpdateTest {
    static final double[] THETA0 = {1.0, -2.0};
    static final double[][] GRADS = {{0.5, -1.0}, {0.25, 2.0}, {-1.0, 0.5}};
    static final double TOL64 = 1e-12;
    /** float32 parameters and state, float arithmetic: a few roundings of 2^-24 relative per step; |θ| ≤ 2.5. */
    static final double TOL32 = 2e-6;

    /** Builds an optimizer over p, runs the three steps, and returns θ after each. */
    static double[][] run(DType dtype, Function<List<Tensor>, Optimizer<?>> make) {
        Tensor p = Tensor.of(dtype, THETA0, 2);
        Optimizer<?> opt = make.apply(List.of(p));
        double[][] out = new double[GRADS.length][];
        for (int k = 0; k < GRADS.length; k++) {
            p.setGrad(Tensor.of(dtype, GRADS[k], 2));
            assertEquals(true, opt.step());
            opt.zeroGrad();
            out[k] = p.toDoubleArray();
        }
        return out;
    }

    static void check(double[][] expected, double[][] actual, double tol) {
        for (int k = 0; k < expected.length; k++) {
            assertArrayEquals(expected[k], actual[k], tol, "theta after step " + (k + 1));
        }
    }

    /** The three steps on float64 parameters (to {@link #TOL64}) and on float32 parameters (to {@link #TOL32}). */
    static void check(double[][] expected, Function<List<Tensor>, Optimizer<?>> make) {
        check(expected, run(DType.FLOAT64, make), TOL64);
        check(expected, run(DType.FLOAT32, make), TOL32);
    }

    // ------------------------------------------------------------------------------------------------- SGD

    @Test
    void sgdPlain() {
        // θ ← θ - 0.1g
        double[][] expected = {
            {0.95, -1.9},    // [1 - 0.05, -2 + 0.1]
            {0.925, -2.1},   // [0.95 - 0.025, -1.9 - 0.2]
            {1.025, -2.15},  // [0.925 + 0.1, -2.1 - 0.05]
        };
        check(expected, ps -> new Sgd(ps, Sgd.Options.of(0.1)));
    }

    @Test
    void sgdMomentum() {
        // b₁ = g₁, b ← 0.9b + g, θ ← θ - 0.1b
        double[][] expected = {
            {0.95, -1.9},    // b = [0.5, -1]
            {0.88, -2.01},   // b = [0.45 + 0.25, -0.9 + 2] = [0.7, 1.1]
            {0.917, -2.159}, // b = [0.63 - 1, 0.99 + 0.5] = [-0.37, 1.49]
        };
        check(expected, ps -> new Sgd(ps, Sgd.Options.of(0.1).withMomentum(0.9)));
    }

    @Test
    void sgdDampening() {
        // b₁ = g₁ (no dampening on the first step), b ← 0.9b + (1 - 0.5)g, θ ← θ - 0.1b
        double[][] expected = {
            {0.95, -1.9},       // b = [0.5, -1]
            {0.8925, -1.91},    // b = [0.45 + 0.125, -0.9 + 1] = [0.575, 0.1]
            {0.89075, -1.944},  // b = [0.5175 - 0.5, 0.09 + 0.25] = [0.0175, 0.34]
        };
        check(expected, ps -> new Sgd(ps, Sgd.Options.of(0.1).withMomentum(0.9).withDampening(0.5)));
    }

    @Test
    void sgdNesterov() {
        // b as in sgdMomentum, d = g + 0.9b, θ ← θ - 0.1d
        double[][] expected = {
            {0.905, -1.81},     // d = [0.5 + 0.45, -1 - 0.9] = [0.95, -1.9]
            {0.817, -2.109},    // d = [0.25 + 0.63, 2 + 0.99] = [0.88, 2.99]
            {0.9503, -2.2931},  // d = [-1 - 0.333, 0.5 + 1.341] = [-1.333, 1.841]
        };
        check(expected, ps -> new Sgd(ps, Sgd.Options.of(0.1).withMomentum(0.9).withNesterov(true)));
    }

    @Test
    void sgdWeightDecay() {
        // d = g + 0.1θ, θ ← θ - 0.1d
        double[][] expected = {
            {0.94, -1.88},          // d = [0.5 + 0.1, -1 - 0.2] = [0.6, -1.2]
            {0.9056, -2.0612},      // d = [0.25 + 0.094, 2 - 0.188] = [0.344, 1.812]
            {0.996544, -2.090588},  // d = [-1 + 0.09056, 0.5 - 0.20612] = [-0.90944, 0.29388]
        };
        check(expected, ps -> new Sgd(ps, Sgd.Options.of(0.1).withWeightDecay(0.1)));
    }

    @Test
    void sgdUpdateIsAPlainFunctionOverArrays() {
        // The loop alone, on a double[] parameter: momentum 0.9, second step with b = [0.5, -1] (from g₁).
        double[] theta = {0.95, -1.9};
        double[] buf = {0.5, -1.0};
        Float64Updates.sgd(theta, new double[] {0.25, 2.0}, 0, 2, buf, 0.1, 0.9, 0.9, 1, false, 0);
        assertArrayEquals(new double[] {0.7, 1.1}, buf, 1e-15);
        assertArrayEquals(new double[] {0.88, -2.01}, theta, 1e-15);
    }

    @Test
    void sgdFloat32UpdateIsAPlainFunctionOverArrays() {
        // The float32 rule on the same numbers, over arrays longer than n = 2 (as EJML storage may be): the tail stays.
        float[] theta = {0.95f, -1.9f, 7f};
        float[] buf = {0.5f, -1.0f};
        Float32Updates.sgd(theta, new float[] {0.25f, 2.0f, 7f}, 0, 2, buf, 0.1f, 0.9f, 0.9f, 1, false, 0);
        assertArrayEquals(new float[] {0.7f, 1.1f}, buf, 1e-6f);
        assertArrayEquals(new float[] {0.88f, -2.01f, 7f}, theta, 1e-6f);
    }

    // ------------------------------------------------------------------------------------------------ Adam

    @Test
    void adamPlain() {
        // Step 1: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², θ ← θ - 0.1·g/(|g| + 1e-8):
        // 1 - 0.1·0.5/(0.5 + 1e-8) = 1 - 0.1 + 2e-9 = 0.900000002; -2 + 0.1·1/(1 + 1e-8) = -1.900000001.
        double[][] expected = {
            {0.900000002, -1.900000001},
            {0.8067820404774624, -1.9366103534720749},
            {0.8274177428854115, -1.9781754731467738},
        };
        check(expected, ps -> new Adam(ps, Adam.Options.of(0.1)));
    }

    @Test
    void adamAmsgrad() {
        // betas (0.9, 0.5) so that v falls and the maximum matters. Element 0: v₁ = 0.5·0.25 = 0.125,
        // v₂ = 0.0625 + 0.5·0.0625 = 0.09375 < v̂max = 0.125. Step 1 is plain Adam's: θ₁ = [0.900000002, -1.900000001].
        double[][] expected = {
            {0.900000002, -1.900000001},
            {0.8097556452658828, -1.9334255427074696},
            {0.8270256485051788, -1.967712562827559},
        };
        check(expected, ps -> new Adam(ps, Adam.Options.of(0.1).withBetas(0.9, 0.5).withAmsgrad(true)));
        // Without amsgrad the same betas give other values from step 2 on (so the option is exercised):
        double[][] plain = {
            {0.900000002, -1.900000001},
            {0.7957947950882982, -1.9334255427074696},
            {0.8130647983275942, -1.979426407250118},
        };
        check(plain, ps -> new Adam(ps, Adam.Options.of(0.1).withBetas(0.9, 0.5)));
    }

    @Test
    void adamL2WeightDecay() {
        // Step 1: d = g + 0.1θ = [0.6, -1.2]; θ ← θ - 0.1·d/(|d| + 1e-8) = [1 - 0.1 + 1.67e-9, -2 + 0.1 - 8.3e-10].
        double[][] expected = {
            {0.9000000016666666, -1.9000000008333333},
            {0.8050097658613199, -1.9250178784643248},
            {0.8120982607786772, -1.953127270691488},
        };
        check(expected, ps -> new Adam(ps, Adam.Options.of(0.1).withWeightDecay(0.1)));
    }

    @Test
    void adamWDecoupledWeightDecay() {
        // Step 1: θ ← θ(1 - 0.1·0.1) = [0.99, -1.98], then the plain Adam step: [0.99 - 0.1 + 2e-9, -1.98 + 0.1 - 1e-9].
        double[][] expected = {
            {0.890000002, -1.880000001},
            {0.7878820404574624, -1.897810353462075},
            {0.8006389224608368, -1.920397369602153},
        };
        check(expected, ps -> new AdamW(ps, AdamW.Options.of(0.1).withWeightDecay(0.1)));
    }

    // --------------------------------------------------------------------------------------------- RMSProp

    @Test
    void rmsPropPlain() {
        // lr 0.01, α 0.99. Step 1: v = 0.01g², θ ← θ - 0.01·g/(0.1|g| + 1e-8) = [1 - 0.1 + 2e-8, -2 + 0.1 - 1e-8].
        double[][] expected = {
            {0.900000019999996, -1.900000009999999},
            {0.855098702557817, -1.989532302199152},
            {0.9425726616071325, -2.011479653863255},
        };
        check(expected, ps -> new RmsProp(ps, RmsProp.Options.of(0.01)));
    }

    @Test
    void rmsPropMomentum() {
        // μ 0.9. Step 1: b = g/(0.1|g| + 1e-8), θ ← θ - 0.01b (as plain); then b ← 0.9b + g/d.
        double[][] expected = {
            {0.900000019999996, -1.900000009999999},
            {0.7650987205578135, -1.8995323111991513},
            {0.7311615101091647, -1.9210587339424916},
        };
        check(expected, ps -> new RmsProp(ps, RmsProp.Options.of(0.01).withMomentum(0.9)));
    }

    @Test
    void rmsPropCentered() {
        // Step 1: v = 0.01g², ḡ = 0.01g, v - ḡ² = 0.0099g², θ ← θ - 0.01·g/(√0.0099·|g| + 1e-8)
        //   = [1 - 0.01/0.0994987 (≈ 0.1005038), ...].
        double[][] expected = {
            {0.899496238676095, -1.8994962285750878},
            {0.8541874846842108, -1.9891201762428896},
            {0.9416845043683123, -2.0111152495814886},
        };
        check(expected, ps -> new RmsProp(ps, RmsProp.Options.of(0.01).withCentered(true)));
    }

    @Test
    void rmsPropWeightDecay() {
        // Step 1: d = g + 0.1θ = [0.6, -1.2], θ ← θ - 0.01·d/(0.1|d| + 1e-8).
        double[][] expected = {
            {0.900000016666664, -1.9000000083333326},
            {0.8505111103590103, -1.9834739838055073},
            {0.9306216194252435, -1.9973210559244479},
        };
        check(expected, ps -> new RmsProp(ps, RmsProp.Options.of(0.01).withWeightDecay(0.1)));
    }

    // --------------------------------------------------------------------------------------------- Adagrad

    @Test
    void adagradPlain() {
        // lr 0.1. Step 1: s = g², θ ← θ - 0.1·g/(|g| + 1e-10) = [0.9 + 1e-11·..., ...].
        // Step 2, element 0: s = 0.25 + 0.0625 = 0.3125, θ = 0.9 - 0.1·0.25/√0.3125 = 0.9 - 0.0447214 = 0.8552786.
        double[][] expected = {
            {0.90000000002, -1.90000000001},
            {0.8552786404780043, -1.9894427191059916},
            {0.9425657965647822, -2.0112645081286384},
        };
        check(expected, ps -> new Adagrad(ps, Adagrad.Options.of(0.1)));
    }

    @Test
    void adagradLrDecay() {
        // η 0.5: γ̃ = 0.1/(1 + (t-1)·0.5) = 0.1, 0.0667, 0.05. Step 2, element 0: 0.9 - 0.0667·0.25/√0.3125 = 0.8701858.
        double[][] expected = {
            {0.90000000002, -1.90000000001},
            {0.8701857603253361, -1.9596284794073275},
            {0.913829338368725, -1.970539373918651},
        };
        check(expected, ps -> new Adagrad(ps, Adagrad.Options.of(0.1).withLrDecay(0.5)));
    }

    @Test
    void adagradWeightDecayAndInitialAccumulator() {
        // λ 0.1, s₀ = 0.5. Step 1, element 0: d = 0.6, s = 0.5 + 0.36 = 0.86, θ = 1 - 0.1·0.6/√0.86 = 0.9353003.
        double[][] expected = {
            {0.9353003360849137, -1.913845020972057},
            {0.9005633268746654, -1.9930736170245293},
            {0.9682735723108007, -2.0061330152025696},
        };
        check(expected, ps -> new Adagrad(ps,
                Adagrad.Options.of(0.1).withWeightDecay(0.1).withInitialAccumulatorValue(0.5)));
    }
}
