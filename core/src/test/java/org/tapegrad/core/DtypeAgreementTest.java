package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * float32 results, forward and backward, agree with float64 within float32 tolerance on every op case; so do the
 * results of mixed float32 and float64 inputs (promoted), whose gradients each keep their input's dtype.
 */
class DtypeAgreementTest {

    static List<OpCases.Case> cases() {
        return OpCases.all();
    }

    static List<OpCases.Case> casesWithSeveralInputs() {
        return OpCases.all().stream().filter(c -> c.inputs().length > 1).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float32MatchesFloat64(OpCases.Case c) {
        Result f64 = run(c, DType.FLOAT64);
        Result f32 = run(c, DType.FLOAT32);
        compare("output", f64.output, f32.output);
        for (int i = 0; i < f64.grads.length; i++) {
            compare("gradient of input " + i, f64.grads[i], f32.grads[i]);
        }
    }

    /** Inputs 0, 2, ... float32 and 1, 3, ... float64: the op promotes, and each gradient comes back converted. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("casesWithSeveralInputs")
    void mixedDtypesMatchFloat64(OpCases.Case c) {
        Result f64 = run(c, DType.FLOAT64);
        Result mixed = run(c, DType.FLOAT32, DType.FLOAT64);
        compare("output", f64.output, mixed.output);
        for (int i = 0; i < f64.grads.length; i++) {
            compare("gradient of input " + i, f64.grads[i], mixed.grads[i]);
        }
    }

    private record Result(double[] output, double[][] grads) {
    }

    /** The case with input i converted to {@code dtypes[i % dtypes.length]}. */
    private static Result run(OpCases.Case c, DType... dtypes) {
        Tensor[] in = new Tensor[c.inputs().length];
        for (int i = 0; i < in.length; i++) {
            in[i] = c.inputs()[i].to(dtypes[i % dtypes.length]).requiresGrad(true);
        }
        try (Tape tape = Tape.record()) {
            Tensor y = c.f().apply(in);
            // A float64 constant inside a case would promote the float32 run, which would then compare float64 with
            // itself; only the conversion op may change the dtype.
            if (dtypes.length == 1 && !c.op().equals("to")) {
                assertEquals(dtypes[0], y.dtype(), c + " computes in its inputs' dtype");
            }
            // A fixed, non-uniform upstream gradient, so every output element is weighted differently.
            double[] w = new double[y.numel()];
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.sin(i + 1);
            }
            Tensor weighted = y.mul(Tensor.of(y.dtype(), w, y.shape())).sum();
            double[] out = y.toDoubleArray();
            if (!weighted.requiresGrad()) {
                return new Result(out, new double[0][]);
            }
            Tensor[] g = Autograd.grad(weighted, in);
            double[][] grads = new double[g.length][];
            for (int i = 0; i < g.length; i++) {
                assertEquals(in[i].dtype(), g[i].dtype(), "the gradient of input " + i + " has its dtype");
                grads[i] = g[i].toDoubleArray();
            }
            return new Result(out, grads);
        }
    }

    private static void compare(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 + 1e-5 * Math.abs(expected[i]), what + " element " + i);
        }
    }
}
