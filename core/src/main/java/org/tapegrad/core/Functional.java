package org.tapegrad.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Derivatives of a function of several tensors, as {@code torch.autograd.functional} computes them: {@link #vjp},
 * {@link #jvp}, {@link #jacobian}, {@link #hessian}, {@link #hvp}, {@link #vhp}, with PyTorch's argument order
 * (function, inputs, vector, createGraph) and meanings. {@code f} takes the inputs as an array, in the order
 * given, and returns one tensor; it may use other tensors (a model's parameters), which get no gradient and whose
 * {@code grad()} is not written.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new double[] {1, 2}, 2);
 * Tensor[] h = Functional.hessian(in -> in[0].pow(3).sum(), x)[0];   // h[0] = diag(6x) = [[6, 0], [0, 12]]
 * }</pre>
 *
 * <p><b>Cost</b>, counted in passes over f's graph (a backward pass costs about one or two forward passes; one
 * through a recorded backward, a "double backward", about as much as both together; a forward-mode pass, which
 * carries a tangent beside every value, about two forward passes). {@link #jvp} is forward mode ({@link ForwardAD});
 * the others are reverse mode on the tape:
 * <ul>
 *   <li>{@code vjp}: 1 forward + 1 backward, whatever the sizes.</li>
 *   <li>{@code jvp}: 1 forward-mode pass, whatever the sizes.</li>
 *   <li>{@code jacobian} of f: Rⁿ → Rᵐ: in {@link Mode#REVERSE}, 1 forward + m backward (one per output element,
 *       a loop, no vectorisation), so it suits few outputs; in {@link Mode#FORWARD}, n forward-mode passes (one per
 *       input element), so it suits few inputs; {@link Mode#AUTO} picks the cheaper.</li>
 *   <li>{@code hessian} of f: Rⁿ → R: 1 forward + 1 recorded backward + n backward passes through it (the
 *       Jacobian of the gradient, row by row).</li>
 *   <li>{@code vhp}: 1 forward + 2 backward (the first recorded); {@code hvp}: 1 forward + 3 backward (two
 *       recorded), as in PyTorch, which is why PyTorch recommends {@code vhp} when the Hessian is symmetric.</li>
 * </ul>
 *
 * <p><b>Recording.</b> With {@code createGraph = false} every function runs f on a tape of its own, with
 * recording on even inside {@link Tape#noGrad()} or another recording (like PyTorch's {@code enable_grad}), and
 * returns tensors with no history: the caller's tape is left as it was. With {@code createGraph = true} the
 * computation is recorded on the caller's tape (so this must run inside {@link Tape#record()}), and the results
 * can be differentiated again with respect to the inputs and to anything f used.
 *
 * <p>An output that does not depend on an input gives zeros for it (PyTorch's {@code strict=False}).
 */
public final class Functional {
    private Functional() {
    }

    /**
     * The output of f at the inputs, and one product per input (of that input's shape): {@code vᵀ·J} for
     * {@link #vjp}, {@code H·v} for {@link #hvp}, {@code vᵀ·H} for {@link #vhp}.
     */
    public record Result(Tensor output, Tensor[] product) {
    }

    /** The output of f at the inputs, and {@code J·v}, of the output's shape. */
    public record JvpResult(Tensor output, Tensor jvp) {
    }

    // ------------------------------------------------------------------------------------------------- vjp

    /** {@link #vjp(Function, Tensor[], Tensor, boolean)} of a function with a single-element output (v = 1). */
    public static Result vjp(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return vjp(f, inputs, null, false);
    }

    /**
     * The vector-Jacobian product {@code vᵀ·∂f/∂inputs[i]} for every input. Cost: 1 forward + 1 backward.
     *
     * @param f           the function (its inputs are not modified)
     * @param inputs      where to evaluate it (not modified)
     * @param v           of f's output shape and dtype; null when the output has a single element (v = 1)
     * @param createGraph record on the caller's tape, so that the result can be differentiated again
     */
    public static Result vjp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor v, boolean createGraph) {
        return run("vjp", createGraph, () -> {
            Tensor[] x = prepare("vjp", inputs, createGraph);
            Tensor out = evaluate("vjp", f, x);
            checkCotangent("vjp", "v", out, v);
            return new Result(finish(out, createGraph), grad(out, v, x, false, createGraph));
        });
    }

    // ------------------------------------------------------------------------------------------------- jvp

    /**
     * The Jacobian-vector product {@code Σᵢ ∂f/∂inputs[i] · v[i]}, of f's output shape, by forward mode: f runs once
     * on dual tensors ({@link ForwardAD}) carrying {@code v} as their tangents. Cost: 1 forward-mode pass, whatever
     * the number of outputs. Must not be called inside an open dual level (levels do not nest).
     *
     * @param v           one tangent per input, of that input's shape and dtype
     * @param createGraph record on the caller's tape, so that the result can be differentiated again
     */
    public static JvpResult jvp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] v, boolean createGraph) {
        checkTangents("jvp", inputs, v);
        if (createGraph) {
            return run("jvp", true, () -> forwardPass(f, prepare("jvp", inputs, true), v, true));
        }
        Tensor[] x = new Tensor[inputs.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = Objects.requireNonNull(inputs[i], "jvp: input " + i + " is null").detach();
        }
        try (Scope noGrad = Tape.noGrad()) { // nothing to record: the tangent is the whole result
            return forwardPass(f, x, v, false);
        }
    }

    /** f on dual tensors (x with tangents v): its output and the output's tangent. */
    private static JvpResult forwardPass(Function<Tensor[], Tensor> f, Tensor[] x, Tensor[] v, boolean createGraph) {
        try (ForwardAD.Level level = ForwardAD.dualLevel()) {
            Tensor[] duals = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                duals[i] = ForwardAD.makeDual(x[i], v[i]);
            }
            Tensor out = evaluate("jvp", f, duals);
            Tensor jv = ForwardAD.tangent(out);
            return new JvpResult(finish(out, createGraph), finish(jv, createGraph));
        }
    }

    // -------------------------------------------------------------------------------------------- jacobian

    /** How {@link #jacobian(Function, Tensor[], Mode)} builds the Jacobian of f: Rⁿ → Rᵐ. */
    public enum Mode {
        /** One backward pass per output element: 1 forward + m backward. */
        REVERSE,
        /** One forward-mode pass per input element: n passes. */
        FORWARD,
        /** FORWARD when the inputs have fewer elements than the output (n &lt; m), else REVERSE. */
        AUTO
    }

    /** {@link #jacobian(Function, Tensor[], boolean)} without createGraph (reverse mode). */
    public static Tensor[] jacobian(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return jacobian(f, inputs, false);
    }

    /**
     * The Jacobian of f with respect to each input, as {@link #jacobian(Function, Tensor[], boolean)} (same shapes
     * and values), built by the given mode. AUTO evaluates f once more, without recording, to learn the output's
     * size. The result has no history.
     */
    public static Tensor[] jacobian(Function<Tensor[], Tensor> f, Tensor[] inputs, Mode mode) {
        Objects.requireNonNull(mode, "jacobian: mode");
        if (mode == Mode.AUTO) {
            int n = 0;
            for (Tensor in : Objects.requireNonNull(inputs, "jacobian: inputs")) {
                n += Objects.requireNonNull(in, "jacobian: an input is null").numel();
            }
            int m;
            try (Scope noGrad = Tape.noGrad()) {
                m = evaluate("jacobian", f, detached(inputs)).numel();
            }
            mode = n < m ? Mode.FORWARD : Mode.REVERSE;
        }
        return mode == Mode.REVERSE ? jacobian(f, inputs, false) : forwardJacobian(f, inputs);
    }

    /** The Jacobian column by column: one forward-mode pass per input element, along that element's basis vector. */
    private static Tensor[] forwardJacobian(Function<Tensor[], Tensor> f, Tensor[] inputs) {
        if (inputs.length == 0) {
            throw new IllegalArgumentException("jacobian: no inputs given; expected at least one tensor");
        }
        Tensor[] x = detached(inputs);
        Tensor[] zero = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            zero[i] = Tensor.zeros(x[i].dtype(), x[i].shapeRef());
        }
        Tensor[] jacobian = new Tensor[x.length];
        try (Scope noGrad = Tape.noGrad()) {
            for (int i = 0; i < x.length; i++) {
                int n = x[i].numel();
                double[] values = null;
                int[] outShape = null;
                for (int k = 0; k < n; k++) {
                    Tensor[] v = zero.clone();
                    double[] e = new double[n];
                    e[k] = 1;
                    v[i] = Tensor.of(x[i].dtype(), e, x[i].shapeRef());
                    JvpResult pass = forwardPass(f, x, v, false);
                    double[] column = pass.jvp().toDoubleArray();
                    if (values == null) {
                        values = new double[column.length * n];
                        outShape = pass.output().shape();
                    }
                    for (int o = 0; o < column.length; o++) {
                        values[o * n + k] = column[o];
                    }
                }
                if (values == null) { // an empty input: evaluate once for the output's shape
                    outShape = forwardPass(f, x, zero, false).output().shape();
                    values = new double[0];
                }
                jacobian[i] = Tensor.of(x[i].dtype(), values, concat(outShape, x[i].shape()));
            }
        }
        return jacobian;
    }

    private static Tensor[] detached(Tensor[] inputs) {
        Tensor[] x = new Tensor[inputs.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = Objects.requireNonNull(inputs[i], "jacobian: input " + i + " is null").detach();
        }
        return x;
    }

    /**
     * The Jacobian of f with respect to each input: entry i has shape {@code output.shape ++ inputs[i].shape}, with
     * {@code J[i][o..., k...] = ∂f[o...]/∂inputs[i][k...]}. Reverse mode, one backward pass per output element:
     * for f: Rⁿ → Rᵐ, 1 forward + m backward.
     *
     * @param createGraph record on the caller's tape, so that the Jacobian can be differentiated again
     */
    public static Tensor[] jacobian(Function<Tensor[], Tensor> f, Tensor[] inputs, boolean createGraph) {
        return run("jacobian", createGraph, () -> {
            Tensor[] x = prepare("jacobian", inputs, createGraph);
            return jacobianOf(evaluate("jacobian", f, x), x, createGraph);
        });
    }

    // --------------------------------------------------------------------------------------------- hessian

    /** {@link #hessian(Function, Tensor[], boolean)} without createGraph. */
    public static Tensor[][] hessian(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return hessian(f, inputs, false);
    }

    /**
     * The Hessian of a function with a single-element output: entry [i][j] has shape
     * {@code inputs[i].shape ++ inputs[j].shape}, {@code H[i][j][k..., l...] = ∂²f/∂inputs[i][k...]∂inputs[j][l...]}.
     * It is the Jacobian of the recorded gradient: for n input elements in all, 1 forward + 1 recorded backward +
     * n backward passes through it.
     *
     * @throws IllegalArgumentException when f's output has more than one element
     */
    public static Tensor[][] hessian(Function<Tensor[], Tensor> f, Tensor[] inputs, boolean createGraph) {
        return run("hessian", createGraph, () -> {
            Tensor[] x = prepare("hessian", inputs, createGraph);
            Tensor out = evaluate("hessian", f, x);
            checkScalar("hessian", out);
            Tensor[] gradient = grad(out, null, x, true, true);
            Tensor[][] h = new Tensor[x.length][];
            for (int i = 0; i < x.length; i++) {
                h[i] = jacobianOf(gradient[i], x, createGraph);
            }
            return h;
        });
    }

    // ---------------------------------------------------------------------------------------- hvp and vhp

    /**
     * The Hessian-vector product {@code H·v} (per input i: {@code Σⱼ H[i][j]·v[j]}) of a function with a
     * single-element output, and its value. As PyTorch's {@code hvp}: the double-backward trick, which gives
     * {@code H·v} even where H is not symmetric. Cost: 1 forward + 3 backward (two recorded); when the Hessian
     * is symmetric (f twice continuously differentiable), {@link #vhp} gives the same for one backward less.
     *
     * @param v one vector per input, of that input's shape and dtype
     */
    public static Result hvp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] v, boolean createGraph) {
        checkTangents("hvp", inputs, v);
        return run("hvp", createGraph, () -> {
            Tensor[] x = prepare("hvp", inputs, createGraph);
            Tensor out = evaluate("hvp", f, x);
            checkScalar("hvp", out);
            Tensor[] gradient = grad(out, null, x, true, true);
            Tensor[] u = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                u[i] = Tensor.zeros(x[i].dtype(), x[i].shape()).requiresGrad(true);
            }
            Tensor[] uH = grad(innerProduct(gradient, u), null, x, true, true); // uᵀ·H, linear in u
            return new Result(finish(out, createGraph), grad(innerProduct(uH, v), null, u, false, createGraph));
        });
    }

    /**
     * The vector-Hessian product {@code vᵀ·H} (per input j: {@code Σᵢ v[i]·H[i][j]}) of a function with a
     * single-element output, and its value. Cost: 1 forward + 2 backward (the first recorded).
     *
     * @param v one vector per input, of that input's shape and dtype
     */
    public static Result vhp(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor[] v, boolean createGraph) {
        checkTangents("vhp", inputs, v);
        return run("vhp", createGraph, () -> {
            Tensor[] x = prepare("vhp", inputs, createGraph);
            Tensor out = evaluate("vhp", f, x);
            checkScalar("vhp", out);
            Tensor[] gradient = grad(out, null, x, true, true);
            return new Result(finish(out, createGraph), grad(innerProduct(gradient, v), null, x, false, createGraph));
        });
    }

    // --------------------------------------------------------------------------------------------- helpers

    /**
     * Runs {@code body} on a tape of its own (createGraph false), with the caller's recording state put aside and
     * restored; or on the caller's tape (createGraph true), which must be recording.
     */
    private static <T> T run(String op, boolean createGraph, Supplier<T> body) {
        GradState state = GradState.get();
        if (createGraph) {
            if (!state.recording()) {
                throw new IllegalStateException(op + ": createGraph records the derivatives on the current tape, "
                        + "but none is recording on this thread; call " + op + " inside Tape.record() (and outside "
                        + "Tape.noGrad()), or pass createGraph = false");
            }
            return body.get();
        }
        Tape outer = state.tape;
        int noGradDepth = state.noGradDepth;
        state.tape = null;
        state.noGradDepth = 0;
        try (Tape own = Tape.record()) {
            return body.get();
        } finally {
            state.tape = outer;
            state.noGradDepth = noGradDepth;
        }
    }

    /**
     * Fresh tensors standing for the inputs, one per argument even when the same tensor is passed twice: detached
     * leaves, or (createGraph) recorded copies of inputs that require grad, so that the results stay connected to
     * them.
     */
    private static Tensor[] prepare(String op, Tensor[] inputs, boolean createGraph) {
        Objects.requireNonNull(inputs, op + ": inputs");
        if (inputs.length == 0) {
            throw new IllegalArgumentException(op + ": no inputs given; expected at least one tensor");
        }
        Tensor[] x = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor in = Objects.requireNonNull(inputs[i], op + ": input " + i + " is null");
            x[i] = createGraph && in.requiresGrad() ? in.copy() : in.detach().requiresGrad(true);
        }
        return x;
    }

    private static Tensor evaluate(String op, Function<Tensor[], Tensor> f, Tensor[] x) {
        Tensor out = Objects.requireNonNull(f, op + ": f").apply(x.clone());
        if (out == null) {
            throw new IllegalStateException(op + ": f returned null; expected a tensor");
        }
        return out;
    }

    private static Tensor finish(Tensor out, boolean createGraph) {
        return createGraph ? out : out.detach();
    }

    /** Autograd.grad, with zeros for every input when {@code out} does not depend on any. */
    private static Tensor[] grad(Tensor out, Tensor seed, Tensor[] x, boolean retainGraph, boolean createGraph) {
        if (!out.requiresGrad()) {
            Tensor[] zeros = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                zeros[i] = Tensor.zeros(x[i].dtype(), x[i].shape());
            }
            return zeros;
        }
        return Autograd.grad(out, seed, List.of(x), retainGraph, createGraph);
    }

    /** Σᵢ sum(a[i] ⊙ b[i]), recorded. */
    private static Tensor innerProduct(Tensor[] a, Tensor[] b) {
        Tensor s = a[0].mul(b[0]).sum();
        for (int i = 1; i < a.length; i++) {
            s = s.add(a[i].mul(b[i]).sum());
        }
        return s;
    }

    /** The Jacobian of {@code out} with respect to each of {@code x}, one backward pass per element of out. */
    private static Tensor[] jacobianOf(Tensor out, Tensor[] x, boolean createGraph) {
        int m = out.numel();
        int[] outShape = out.shape();
        Tensor[] jacobian = new Tensor[x.length];
        List<List<Tensor>> rows = new ArrayList<>();
        double[][] values = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            rows.add(new ArrayList<>(m));
            values[i] = new double[m * x[i].numel()];
        }
        for (int k = 0; k < m; k++) {
            double[] e = new double[m];
            e[k] = 1;
            Tensor[] row = grad(out, Tensor.of(out.dtype(), e, outShape), x, true, createGraph);
            for (int i = 0; i < x.length; i++) {
                if (createGraph) {
                    rows.get(i).add(row[i].reshape(1, x[i].numel()));
                } else {
                    int n = x[i].numel();
                    System.arraycopy(row[i].toDoubleArray(), 0, values[i], k * n, n);
                }
            }
        }
        for (int i = 0; i < x.length; i++) {
            int[] shape = concat(outShape, x[i].shape());
            jacobian[i] = createGraph ? Tensor.concat(rows.get(i), 0).reshape(shape)
                    : Tensor.of(x[i].dtype(), values[i], shape);
        }
        return jacobian;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] s = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, s, a.length, b.length);
        return s;
    }

    private static void checkScalar(String op, Tensor out) {
        if (out.numel() != 1) {
            throw new IllegalArgumentException(op + ": f must return a single-element tensor, got shape "
                    + Shape.str(out.shape()) + "; for a function with several outputs take the jacobian (or the "
                    + op + " of each output)");
        }
    }

    private static void checkCotangent(String op, String name, Tensor out, Tensor v) {
        if (v == null) {
            if (out.numel() != 1) {
                throw new IllegalArgumentException(op + ": " + name + " is null, which stands for 1 only when f's "
                        + "output has a single element; it has shape " + Shape.str(out.shape()) + ", so pass " + name
                        + " of that shape");
            }
            return;
        }
        if (!Arrays.equals(v.shape(), out.shape()) || v.dtype() != out.dtype()) {
            throw new IllegalArgumentException(op + ": " + name + " is " + Shape.str(v.shape()) + " " + v.dtype()
                    + " but f's output is " + Shape.str(out.shape()) + " " + out.dtype() + "; " + name
                    + " must have the output's shape and dtype");
        }
    }

    private static void checkTangents(String op, Tensor[] inputs, Tensor[] v) {
        Objects.requireNonNull(inputs, op + ": inputs");
        Objects.requireNonNull(v, op + ": v");
        if (v.length != inputs.length) {
            throw new IllegalArgumentException(op + ": " + v.length + " vectors v for " + inputs.length
                    + " inputs; expected one per input");
        }
        for (int i = 0; i < v.length; i++) {
            Objects.requireNonNull(v[i], op + ": v[" + i + "] is null");
            Objects.requireNonNull(inputs[i], op + ": input " + i + " is null");
            if (!Arrays.equals(v[i].shape(), inputs[i].shape()) || v[i].dtype() != inputs[i].dtype()) {
                throw new IllegalArgumentException(op + ": v[" + i + "] is " + Shape.str(v[i].shape()) + " "
                        + v[i].dtype() + " but input " + i + " is " + Shape.str(inputs[i].shape()) + " "
                        + inputs[i].dtype() + "; each v must have its input's shape and dtype");
            }
        }
    }
}
