package org.tapegrad.core;

import org.ejml.data.Matrix;
import org.tapegrad.core.internal.kernel.Kernels;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Anomaly detection: inside {@code try (var a = Anomaly.detect()) { ... }}, every op checks its output, and the
 * backward pass checks every gradient, for NaN and infinity, and throws an {@link AnomalyException} naming the op
 * and the line of user code that created it. Off by default; when off it costs one field read per op.
 * Per thread, like recording.
 */
public final class Anomaly {
    /** Classes of this package whose frames are skipped when looking for the user's call site. */
    private static final java.util.Set<String> INTERNAL = java.util.Set.of("Tensor", "Tape", "Autograd", "Anomaly",
            "ArithmeticOps", "ElementwiseOps", "ReductionOps", "ShapeOps", "MatmulOps", "SoftmaxOps", "ConvOps",
            "PoolOps", "Losses", "Einsum", "GradCheck", "CustomFunction");

    private Anomaly() {
    }

    /** Turns anomaly detection on for the current thread until the returned scope is closed. */
    public static Scope detect() {
        GradState state = GradState.get();
        state.anomalyDepth++;
        return GradState.onClose(() -> state.anomalyDepth--);
    }

    /** True when anomaly detection is on for the current thread. */
    public static boolean isEnabled() {
        return GradState.get().anomaly();
    }

    static void checkForward(GradState state, String op, Tensor out) {
        if (out.dtype().kernels().allFinite(out.contiguousData())) {
            return;
        }
        Node node = state.backwardNode;
        if (node != null) { // an op inside a backward rule: blame the rule, and where its op was called
            throw new AnomalyException("backward of " + node.op + " produced " + describe(out) + " (in its " + op
                    + " step, shape " + Shape.str(out.shape()) + "); the op was " + where(node));
        }
        throw new AnomalyException(op + " produced " + describe(out) + " in its output " + Shape.str(out.shape())
                + ", called " + userSite(new Throwable()));
    }

    static void checkBackward(Node node, int input, Tensor grad) {
        if (!grad.dtype().kernels().allFinite(grad.contiguousData())) {
            throw new AnomalyException("backward of " + node.op + " produced " + describe(grad)
                    + " in the gradient of input " + input + " " + Shape.str(grad.shape()) + "; the op was "
                    + where(node));
        }
    }

    private static String where(Node node) {
        return node.site == null ? "(enable Anomaly.detect() during the forward pass to see where it was called)"
                : "called " + userSite(node.site);
    }

    private static String describe(Tensor t) {
        Matrix m = t.contiguousData();
        Kernels k = t.dtype().kernels();
        int nan = 0;
        int inf = 0;
        for (int i = 0; i < t.numel(); i++) {
            double v = k.get(m, i);
            if (Double.isNaN(v)) {
                nan++;
            } else if (Double.isInfinite(v)) {
                inf++;
            }
        }
        return (nan > 0 ? nan + " NaN" : "") + (nan > 0 && inf > 0 ? " and " : "") + (inf > 0 ? inf + " infinite" : "")
                + " value" + (nan + inf > 1 ? "s" : "");
    }

    /** The first stack frame outside this library: the line of user code that called the op. */
    static String userSite(Throwable site) {
        for (StackTraceElement e : site.getStackTrace()) {
            String c = e.getClassName();
            boolean internal = c.startsWith("org.tapegrad.core.")
                    && INTERNAL.contains(c.substring("org.tapegrad.core.".length()).replaceAll("\\$.*", ""));
            if (!internal && !c.startsWith("java.") && !c.startsWith("jdk.")) {
                return "at " + e;
            }
        }
        return "from inside the library";
    }
}
