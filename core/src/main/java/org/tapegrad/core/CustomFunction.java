package org.tapegrad.core;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * A differentiable function whose backward you write yourself, like PyTorch's {@code torch.autograd.Function} or
 * JAX's {@code custom_vjp}. (Not called {@code Function}, so that it never collides with
 * {@code java.util.function.Function}, which {@link GradCheck} takes.)
 *
 * <pre>{@code
 * final class Softplus extends CustomFunction {
 *     @Override protected Tensor forward(Context ctx, Tensor... in) {
 *         ctx.saveForBackward(in[0]);
 *         return in[0].exp().add(1).log();                       // log(1 + e^x), any Java code
 *     }
 *     @Override protected Tensor[] backward(Context ctx, Tensor g) {
 *         return new Tensor[] {g.mul(ctx.saved(0).sigmoid())};   // d/dx log(1 + e^x) = σ(x)
 *     }
 * }
 * Tensor y = new Softplus().apply(x);                            // recorded like a built-in op
 * }</pre>
 *
 * <p>The contract:
 * <ul>
 *   <li>{@link #forward} computes the output from the inputs with any Java code (Tensor ops, loops over
 *       {@code toDoubleArray()}, a native call); it is not recorded. It may save tensors for backward with
 *       {@link Context#saveForBackward} and other values with {@link Context#put}. If it returns one of its inputs
 *       (or any tensor that already has a history), the output is a new view of it.</li>
 *   <li>{@link #backward} receives {@code g} = dL/d(output) and returns dL/d(input i) for each input, same order,
 *       shapes and dtypes as the inputs; null for an input with {@link Context#needsInputGrad} false (or a zero
 *       gradient). Write it in Tensor ops: under {@link Autograd#gradWithGraph} it is recorded, so gradients of
 *       gradients work when it is differentiable.</li>
 *   <li>A tensor saved for backward and then modified in place (through any view) makes {@link Context#saved} throw,
 *       as a built-in op refuses a changed input.</li>
 * </ul>
 * One object can serve many calls, on several threads at once ({@code DataParallel}), as long as it keeps its
 * per-call state in the {@link Context}, which is new for every {@link #apply}.
 */
public abstract class CustomFunction {

    /** Subclasses implement {@link #forward} and {@link #backward}. */
    protected CustomFunction() {
    }

    /** The op name in the tape, in error messages and in {@link Tensor#gradFnName()}: the class's simple name. */
    public String name() {
        String n = getClass().getSimpleName();
        return n.isEmpty() ? "CustomFunction" : n;
    }

    /**
     * The forward computation, not recorded.
     *
     * @param ctx    this call's context: save what backward needs here
     * @param inputs the tensors given to {@link #apply} (not modified: modifying one in place breaks its gradient)
     * @return the output, a new tensor
     */
    protected abstract Tensor forward(Context ctx, Tensor... inputs);

    /**
     * The vector-Jacobian product: dL/d(input i) for every input given {@code gradOutput} = dL/d(output).
     *
     * @return one entry per input: a tensor of that input's shape and dtype, or null (no gradient, or zero)
     */
    protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

    /**
     * The Jacobian-vector product, for forward mode ({@link ForwardAD}), as PyTorch's {@code Function.jvp}: the
     * output's tangent given each input's ({@code null} for a zero tangent; at least one is not null), in Tensor
     * ops; {@code ctx} holds what forward saved. Not overridden, a call on a dual tensor is refused.
     *
     * @return a tensor of the output's shape and dtype, or null for a zero tangent
     */
    protected Tensor jvp(Context ctx, Tensor... tangents) {
        throw new UnsupportedOperationException(name() + " has no forward-mode rule: override CustomFunction.jvp to "
                + "run it on dual tensors (ForwardAD), or use reverse mode");
    }

    /**
     * Runs {@link #forward} on {@code inputs} and, when recording and some input requires grad, records the call
     * with {@link #backward} as its rule, so that {@link Tape#backward}, {@link Autograd#grad} and
     * {@link Autograd#gradWithGraph} differentiate through it.
     *
     * @throws IllegalArgumentException when no inputs are given or one is null
     * @throws IllegalStateException    when forward returns null
     */
    public final Tensor apply(Tensor... inputs) {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.length == 0) {
            throw new IllegalArgumentException(name() + ".apply: no inputs given; expected at least one tensor");
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException(name() + ".apply: input " + i + " is null; expected a tensor");
            }
        }
        Tensor[] in = inputs.clone(); // the caller may reuse its array
        Context ctx = new Context(this, in);
        boolean recording = Tape.isRecording();
        for (int i = 0; i < in.length; i++) {
            ctx.needs[i] = recording && in[i].requiresGrad();
        }
        Tensor out;
        GradState state = GradState.get();
        ForwardAD.Level level = state.dualLevel;
        state.dualLevel = null; // forward's own ops carry no tangents: jvp gives the output's
        try (Scope noGrad = Tape.noGrad()) {
            out = forward(ctx, in.clone());
        } finally {
            state.dualLevel = level;
        }
        if (out == null) {
            throw new IllegalStateException(name() + ".forward returned null; expected the output tensor");
        }
        if (out.hasAutogradMeta()) { // an input, or a tensor with a history of its own: give the call its own output
            out = out.detach();
        }
        ctx.forwardDone = true;
        return Autograd.record(name(), out, ctx::runBackward, tangents -> jvp(ctx, tangents), in);
    }

    /**
     * What one call of a {@link CustomFunction} keeps between its forward and its backward: saved tensors (with
     * their versions), other values, and which inputs need a gradient.
     */
    public static final class Context {
        private final CustomFunction function;
        private final Tensor[] inputs;
        private Tensor[] saved = new Tensor[0];
        private int[] versions = new int[0];
        private Map<String, Object> values;
        /** In forward, whether each input requires grad while recording; in backward, the engine's mask. */
        private boolean[] needs;
        private boolean forwardDone;

        private Context(CustomFunction function, Tensor[] inputs) {
            this.function = function;
            this.inputs = inputs;
            this.needs = new boolean[inputs.length];
        }

        /**
         * Keeps {@code tensors} for backward (replacing any saved before), with their current versions: an
         * in-place change to one afterwards makes {@link #saved} throw. Call it in forward.
         *
         * @throws IllegalStateException when called after forward
         */
        public void saveForBackward(Tensor... tensors) {
            Objects.requireNonNull(tensors, "tensors");
            if (forwardDone) {
                throw new IllegalStateException(function.name() + ": saveForBackward is for forward; backward "
                        + "reads saved tensors with saved(i)");
            }
            Tensor[] s = tensors.clone();
            int[] v = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                Objects.requireNonNull(s[i], "saveForBackward: tensor " + i);
                v[i] = s[i].storage().version;
            }
            saved = s;
            versions = v;
        }

        /**
         * Saved tensor {@code i} (in the order given to {@link #saveForBackward}).
         *
         * @throws IndexOutOfBoundsException when fewer tensors were saved
         * @throws IllegalStateException     when it was modified in place after it was saved
         */
        public Tensor saved(int i) {
            if (i < 0 || i >= saved.length) {
                throw new IndexOutOfBoundsException(function.name() + ": saved tensor " + i + " requested, "
                        + saved.length + " saved (expected 0 to " + (saved.length - 1) + ")");
            }
            Tensor t = saved[i];
            if (t.storage().version != versions[i]) {
                throw new IllegalStateException("backward of " + function.name() + ": saved tensor " + i + " "
                        + Shape.str(t.shapeRef()) + " was modified in place after forward saved it; its gradient "
                        + "would be wrong");
            }
            return t;
        }

        /** Number of saved tensors. */
        public int savedCount() {
            return saved.length;
        }

        /** Keeps a value that is not a tensor (a shape, a mask, a flag) for backward under {@code key}. */
        public void put(String key, Object value) {
            Objects.requireNonNull(key, "key");
            if (values == null) {
                values = new HashMap<>(4);
            }
            values.put(key, value);
        }

        /**
         * The value {@link #put} under {@code key}.
         *
         * @throws IllegalArgumentException when nothing was put under it
         */
        @SuppressWarnings("unchecked")
        public <T> T get(String key) {
            if (values == null || !values.containsKey(key)) {
                throw new IllegalArgumentException(function.name() + ": no value was put under '" + key + "'"
                        + (values == null ? "" : "; keys: " + values.keySet()));
            }
            return (T) values.get(key);
        }

        /** Number of inputs of the call. */
        public int inputCount() {
            return inputs.length;
        }

        /**
         * Whether input {@code i} needs a gradient: in forward, whether it requires grad while recording; in
         * backward, whether this backward pass wants it (PyTorch's {@code ctx.needs_input_grad}).
         *
         * @throws IndexOutOfBoundsException when there is no input i
         */
        public boolean needsInputGrad(int i) {
            if (i < 0 || i >= inputs.length) {
                throw new IndexOutOfBoundsException(function.name() + ": input " + i + " of " + inputs.length
                        + " (expected 0 to " + (inputs.length - 1) + ")");
            }
            return needs[i];
        }

        /** The rule the engine calls: the user's backward, with the engine's mask visible through needsInputGrad. */
        private Tensor[] runBackward(Tensor g, boolean[] mask) {
            boolean[] outer = needs;
            needs = mask;
            try {
                Tensor[] grads = function.backward(this, g);
                if (grads == null || grads.length != inputs.length) {
                    throw new IllegalStateException(function.name() + ".backward returned "
                            + (grads == null ? "null" : grads.length + " gradients") + " for " + inputs.length
                            + " inputs; expected one entry per input (null for one that needs no gradient)");
                }
                return grads;
            } finally {
                needs = outer;
            }
        }
    }
}
