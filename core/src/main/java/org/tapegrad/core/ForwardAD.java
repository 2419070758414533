package org.tapegrad.core;

import java.util.Arrays;
import java.util.Objects;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Forward-mode automatic differentiation with dual tensors, as PyTorch's {@code torch.autograd.forward_ad}: inside a
 * dual level, a tensor may carry a tangent beside its value, and every op computes its output's tangent from its
 * inputs' tangents with its forward rule while it computes the value. One forward pass then gives the
 * Jacobian-vector product {@code J·v} of the whole computation, at a cost of a small constant times that pass,
 * whatever the number of outputs; reverse mode ({@link Autograd}) gives {@code uᵀ·J} at a cost independent of the
 * number of inputs.
 *
 * <pre>{@code
 * try (var level = ForwardAD.dualLevel()) {
 *     Tensor x = ForwardAD.makeDual(primal, direction);
 *     Tensor y = f.apply(x);
 *     Tensor jvp = ForwardAD.tangent(y);               // J·direction, shape of y
 * }
 * }</pre>
 *
 * <p>Tangents live as long as their level: once it is closed, {@link #tangent} of any tensor made inside it is
 * zero. Levels do not nest. Forward mode composes with reverse mode: the tangent computation is itself recorded
 * when a tape is recording, so a tangent can be differentiated backwards. In-place writes to a dual tensor are
 * refused. Every op has a forward rule (the table-driven test checks each against finite differences and against
 * the reverse rule through {@code <u, J·v> = <Jᵀ·u, v>}); a {@link CustomFunction} has one when it overrides
 * {@link CustomFunction#jvp}.
 */
public final class ForwardAD {
    private ForwardAD() {
    }

    /** An open dual level; closing it drops every tangent made inside it. */
    public static final class Level implements Scope {
        private final GradState owner;
        private boolean closed;

        private Level(GradState owner) {
            this.owner = owner;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (owner.dualLevel == this) {
                    owner.dualLevel = null;
                }
            }
        }
    }

    /** Opens a dual level on the current thread; close it (try-with-resources) to end forward mode. */
    public static Level dualLevel() {
        GradState state = GradState.get();
        if (state.dualLevel != null) {
            throw new IllegalStateException("ForwardAD.dualLevel: a dual level is already open on this thread; "
                    + "levels do not nest (close the first one)");
        }
        Level level = new Level(state);
        state.dualLevel = level;
        return level;
    }

    /** True when a dual level is open on the current thread. */
    public static boolean isActive() {
        return GradState.get().dualLevel != null;
    }

    /**
     * A view of {@code primal} (same storage, gradients flow through it to {@code primal}) that carries
     * {@code tangent} as its derivative; the tangent must have the primal's shape and dtype.
     */
    public static Tensor makeDual(Tensor primal, Tensor tangent) {
        Objects.requireNonNull(primal, "primal");
        Objects.requireNonNull(tangent, "tangent");
        GradState state = GradState.get();
        if (state.dualLevel == null) {
            throw new IllegalStateException("ForwardAD.makeDual: no dual level is open; call it inside "
                    + "try (var level = ForwardAD.dualLevel()) { ... }");
        }
        if (!primal.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("ForwardAD.makeDual: a " + primal.dtype() + " tensor has no tangent "
                    + "(only float32 and float64 tensors are differentiable)");
        }
        if (!Arrays.equals(primal.shapeRef(), tangent.shapeRef()) || primal.dtype() != tangent.dtype()) {
            throw new IllegalArgumentException("ForwardAD.makeDual: the tangent " + Shape.str(tangent.shapeRef()) + " "
                    + tangent.dtype() + " must have the primal's shape and dtype, " + Shape.str(primal.shapeRef())
                    + " " + primal.dtype());
        }
        Tensor dual = primal.view(primal.offset(), primal.shapeRef(), primal.stridesRef());
        Autograd.record("makeDual", dual, (g, needs) -> new Tensor[] {g}, t -> t[0], primal);
        dual.setTangent(tangent, state.dualLevel);
        return dual;
    }

    /** The tangent of {@code t} in the open level, or zeros of its shape when it has none. */
    public static Tensor tangent(Tensor t) {
        Tensor tangent = tangentOrNull(t, GradState.get());
        return tangent != null ? tangent : Tensor.zeros(t.dtype(), t.shape());
    }

    /** True when {@code t} carries a tangent in the open level (it depends on a dual tensor). */
    public static boolean hasTangent(Tensor t) {
        return tangentOrNull(t, GradState.get()) != null;
    }

    static Tensor tangentOrNull(Tensor t, GradState state) {
        return state.dualLevel == null ? null : t.tangentAt(state.dualLevel);
    }

    /**
     * Called by {@link Autograd#record} for every op inside a dual level: gives {@code out} the tangent computed by
     * {@code rule} from the inputs' tangents, when some input has one.
     */
    static void propagate(GradState state, String op, Tensor out, ForwardRule rule, Tensor[] inputs) {
        Tensor[] tangents = null;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i].tangentAt(state.dualLevel);
            if (t != null) {
                if (tangents == null) {
                    tangents = new Tensor[inputs.length];
                }
                tangents[i] = t;
            }
        }
        if (tangents == null) {
            return;
        }
        if (rule == null) {
            throw new UnsupportedOperationException(op + ": this op has no forward-mode rule, so it cannot run on "
                    + "a dual tensor (compute the Jacobian-vector product with Functional.jvp in reverse mode instead)");
        }
        Level level = state.dualLevel;
        state.dualLevel = null; // the tangent's own ops carry no tangents
        Tensor tangent;
        try {
            tangent = rule.apply(tangents);
        } finally {
            state.dualLevel = level;
        }
        if (tangent == null) {
            tangent = Tensor.zeros(out.dtype(), out.shape());
        }
        if (!Arrays.equals(tangent.shapeRef(), out.shapeRef()) || tangent.dtype() != out.dtype()) {
            throw new IllegalStateException(op + ": its forward rule returned a tangent " + Shape.str(tangent.shapeRef())
                    + " " + tangent.dtype() + " for an output " + Shape.str(out.shapeRef()) + " " + out.dtype());
        }
        out.setTangent(tangent, level);
    }
}
