package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backward rule against central finite differences in float64 (one table: {@link OpCases}), and every
 * rule's own gradient (the second derivative, through a recorded backward pass) the same way.
 */
class OpGradientTest {

    static List<OpCases.Case> cases() {
        return OpCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backpropMatchesFiniteDifferences(OpCases.Case c) {
        GradCheck.Report report = GradCheck.check(c.f(), c.inputs());
        assertTrue(report.entries() > 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientOfGradientMatchesFiniteDifferencesOfGradient(OpCases.Case c) {
        Tensor weights = OpCases.any(evaluate(c).shape());
        GradCheck.check(in -> firstInputGradient(c.f(), in, weights), c.inputs());
    }

    /** d(Σ weights · f(in)) / d in[0], recorded so that it can be differentiated again. */
    private static Tensor firstInputGradient(Function<Tensor[], Tensor> f, Tensor[] in, Tensor weights) {
        if (Tape.isRecording()) {
            return Autograd.gradWithGraph(f.apply(in).mul(weights).sum(), in[0])[0];
        }
        try (Tape tape = Tape.record()) {
            return Autograd.gradWithGraph(f.apply(in).mul(weights).sum(), in[0])[0];
        }
    }

    private static Tensor evaluate(OpCases.Case c) {
        return c.f().apply(c.inputs());
    }

    /** Public methods of Tensor and Losses that return tensors (one, or a list of views) but are not ops
     *  (factories, accessors, autograd plumbing). */
    private static final Set<String> NOT_OPS = Set.of("zeros", "ones", "full", "scalar", "of", "vector", "rand",
            "randn", "arange", "wrap", "detach", "grad", "requiresGrad", "retainGrad", "setGrad");

    /**
     * Public ops whose outputs are bool or int32 (never differentiable, so nothing to check against finite
     * differences), each with the reason; {@link IntegerTensorTest} and {@link ComparisonTest} check their values.
     */
    static final Map<String, String> WITHOUT_GRADIENT = Map.ofEntries(
            Map.entry("eq", "bool result: piecewise constant"),
            Map.entry("ne", "bool result: piecewise constant"),
            Map.entry("lt", "bool result: piecewise constant"),
            Map.entry("le", "bool result: piecewise constant"),
            Map.entry("gt", "bool result: piecewise constant"),
            Map.entry("ge", "bool result: piecewise constant"),
            Map.entry("logicalAnd", "bool inputs and result"),
            Map.entry("logicalOr", "bool inputs and result"),
            Map.entry("logicalNot", "bool input and result"),
            Map.entry("argmax", "int32 result: piecewise constant"),
            Map.entry("argmin", "int32 result: piecewise constant"));

    @Test
    void everyPublicOpHasAGradientCase() {
        Set<String> ops = new TreeSet<>();
        for (Class<?> type : List.of(Tensor.class, Losses.class)) {
            for (Method m : type.getDeclaredMethods()) {
                boolean returnsTensors = m.getReturnType() == Tensor.class || m.getReturnType() == List.class;
                if (Modifier.isPublic(m.getModifiers()) && returnsTensors && !NOT_OPS.contains(m.getName())) {
                    ops.add(m.getName());
                }
            }
        }
        Set<String> covered = OpCases.all().stream().map(OpCases.Case::op).collect(Collectors.toSet());
        Set<String> missing = new TreeSet<>(ops);
        missing.removeAll(covered);
        missing.removeAll(WITHOUT_GRADIENT.keySet());
        Set<String> declaredButAbsent = new TreeSet<>(WITHOUT_GRADIENT.keySet());
        declaredButAbsent.removeAll(ops);
        assertEquals(Set.of(), declaredButAbsent, "ops declared without gradient that are not public ops");
        Set<String> declaredAndCovered = new TreeSet<>(WITHOUT_GRADIENT.keySet());
        declaredAndCovered.retainAll(covered);
        assertEquals(Set.of(), declaredAndCovered, "ops declared without gradient that have a gradient case");
        assertEquals(Set.of(), missing, "public ops without a gradient case in OpCases");
        // A count, as EJML's coverage tests keep: adding an op means adding its case and updating this number.
        assertEquals(84 + 15, ops.size(), "public ops: " + ops);
    }
}
