package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Every op's forward-mode rule, through the same table as the backward rules ({@link OpCases}), in float64:
 * the tangent of the output against central finite differences along the input tangents, and against the
 * reverse rule through the transpose identity {@code <u, J·v> = <Jᵀ·u, v>}.
 */
class ForwardModeTest {
    private static final double EPS = 1e-6;

    static List<OpCases.Case> cases() {
        return OpCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tangentMatchesFiniteDifferences(OpCases.Case c) {
        Random rng = new Random(c.toString().hashCode());
        Tensor[] x = c.inputs();
        Tensor[] v = directions(x, rng);
        double[] jv = jvp(c, x, v).toDoubleArray();
        double[] plus = c.f().apply(shifted(x, v, EPS)).toDoubleArray();
        double[] minus = c.f().apply(shifted(x, v, -EPS)).toDoubleArray();
        for (int k = 0; k < jv.length; k++) {
            double fd = (plus[k] - minus[k]) / (2 * EPS);
            assertEquals(fd, jv[k], 1e-6 * (1 + Math.abs(fd)), c + ": element " + k + " of J·v");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tangentIsTheTransposeOfTheGradient(OpCases.Case c) {
        Random rng = new Random(~c.toString().hashCode());
        Tensor[] x = c.inputs();
        Tensor[] v = directions(x, rng);
        Tensor jv = jvp(c, x, v);
        Tensor u = random(jv.shape(), rng);
        Tensor[] leaves = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            leaves[i] = x[i].detach().requiresGrad(true);
        }
        Tensor[] jtu;
        try (Tape tape = Tape.record()) {
            Tensor y = c.f().apply(leaves);
            jtu = Autograd.grad(y, u, List.of(leaves), false, false);
        }
        double left = dot(u, jv);
        double right = 0;
        for (int i = 0; i < x.length; i++) {
            right += dot(jtu[i], v[i]);
        }
        assertEquals(right, left, 1e-10 * (1 + Math.abs(right)), c + ": <u, J·v> against <Jᵀ·u, v>");
    }

    /**
     * Second order: the tangent computation is itself recorded, so reverse mode differentiates {@code J(x)·v} with
     * respect to x (reverse over forward), checked against finite differences like every backward rule.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tangentIsDifferentiableInReverseMode(OpCases.Case c) {
        Random rng = new Random(31 * c.toString().hashCode());
        Tensor[] v = directions(c.inputs(), rng);
        GradCheck.Report report = GradCheck.check(in -> {
            try (var level = ForwardAD.dualLevel()) {
                Tensor[] duals = new Tensor[in.length];
                for (int i = 0; i < in.length; i++) {
                    duals[i] = ForwardAD.makeDual(in[i], v[i]);
                }
                return ForwardAD.tangent(c.f().apply(duals));
            }
        }, c.inputs());
        assertTrue(report.entries() > 0);
    }

    @Test
    void everyOpOfTheTableHasAForwardRule() {
        Set<String> ops = OpCases.all().stream().map(OpCases.Case::op).collect(Collectors.toCollection(TreeSet::new));
        // The gradient table's public ops (those with gradients: OpGradientTest.WITHOUT_GRADIENT are not here), topk
        // (whose values are a gather) and the package-private ones its rules use (reverseCumsum,
        // maxPool2dBackward): every one runs on dual tensors in the tests above.
        assertEquals(91, ops.size(), "ops checked in forward mode: " + ops);
    }

    @Test
    void aTensorWithoutTangentGetsZerosAndClosedLevelsDropTangents() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3}, 3);
        Tensor y;
        try (var level = ForwardAD.dualLevel()) {
            Tensor dual = ForwardAD.makeDual(x, Tensor.ones(DType.FLOAT64, 3));
            y = dual.mul(dual);
            assertTrue(ForwardAD.hasTangent(y));
            assertEquals(List.of(2.0, 4.0, 6.0), boxed(ForwardAD.tangent(y)));
            assertEquals(List.of(0.0, 0.0, 0.0), boxed(ForwardAD.tangent(x.mul(2))));
        }
        try (var level = ForwardAD.dualLevel()) {
            assertTrue(!ForwardAD.hasTangent(y), "a tangent of a closed level is gone");
        }
    }

    static Tensor jvp(OpCases.Case c, Tensor[] x, Tensor[] v) {
        try (var level = ForwardAD.dualLevel()) {
            Tensor[] duals = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                duals[i] = ForwardAD.makeDual(x[i].detach(), v[i]);
            }
            return ForwardAD.tangent(c.f().apply(duals));
        }
    }

    private static Tensor[] directions(Tensor[] x, Random rng) {
        Tensor[] v = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            v[i] = random(x[i].shape(), rng);
        }
        return v;
    }

    private static Tensor[] shifted(Tensor[] x, Tensor[] v, double eps) {
        Tensor[] out = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].detach().add(v[i].mul(eps));
        }
        return out;
    }

    private static Tensor random(int[] shape, Random rng) {
        double[] values = new double[Shape.numel(shape)];
        for (int k = 0; k < values.length; k++) {
            values[k] = 2 * rng.nextDouble() - 1;
        }
        return Tensor.of(DType.FLOAT64, values, shape);
    }

    private static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        double s = 0;
        for (int k = 0; k < x.length; k++) {
            s += x[k] * y[k];
        }
        return s;
    }

    private static List<Double> boxed(Tensor t) {
        List<Double> out = new ArrayList<>();
        for (double d : t.toDoubleArray()) {
            out.add(d);
        }
        return out;
    }
}
