package org.tapegrad.core;

import java.util.List;
import java.util.Map;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * The functional form of backpropagation, like {@code torch.autograd.grad}: returns gradients instead of
 * accumulating them into {@code .grad}, and can record the backward pass itself so that gradients of gradients
 * (Hessian-vector products) work.
 *
 * <pre>{@code
 * try (var tape = Tape.record()) {
 *     Tensor y = x.pow(3).sum();
 *     Tensor dy = Autograd.gradWithGraph(y, x)[0];       // 3x², itself recorded
 *     Tensor d2y = Autograd.grad(dy.sum(), x)[0];        // 6x
 * }
 * }</pre>
 */
public final class Autograd {
    private Autograd() {
    }

    /** d(output)/d(inputs) for a scalar output; the tape is released afterwards. */
    public static Tensor[] grad(Tensor output, Tensor... inputs) {
        return grad(output, null, List.of(inputs), false, false);
    }

    /** Like {@link #grad(Tensor, Tensor...)}, but the backward pass is recorded and the tape kept. */
    public static Tensor[] gradWithGraph(Tensor output, Tensor... inputs) {
        return grad(output, null, List.of(inputs), true, true);
    }

    /**
     * The vector-Jacobian product {@code gradOutput · d(output)/d(input)} for each input.
     *
     * @param gradOutput  the upstream gradient, same shape as output; null for a scalar output (seed 1)
     * @param retainGraph keep the tape so that it can be walked again
     * @param createGraph record the backward pass on the current tape (implies retainGraph), so the returned
     *                    gradients can be differentiated again
     * @return one gradient per input, zeros for an input the output does not depend on
     */
    public static Tensor[] grad(Tensor output, Tensor gradOutput, List<Tensor> inputs, boolean retainGraph,
            boolean createGraph) {
        for (Tensor in : inputs) {
            if (!in.requiresGrad()) {
                throw new IllegalArgumentException("grad: input " + Shape.str(in.shape()) + " does not require grad");
            }
        }
        Tape tape = output.gradFn() != null ? output.gradFn().tape : GradState.get().tape;
        if (tape == null) {
            throw new IllegalStateException("grad: the output was not recorded; compute it inside Tape.record()");
        }
        if (createGraph && GradState.get().tape != tape) {
            throw new IllegalStateException("grad: createGraph needs the output's tape to be recording on this thread");
        }
        Map<Tensor, Tensor> found = tape.run("grad", output, gradOutput, inputs, retainGraph || createGraph,
                createGraph);
        Tensor[] result = new Tensor[inputs.size()];
        for (int i = 0; i < result.length; i++) {
            Tensor g = found.get(inputs.get(i));
            result[i] = g != null ? g : Tensor.zeros(inputs.get(i).dtype(), inputs.get(i).shape());
        }
        return result;
    }

    /**
     * Records an op on the current tape when its output needs a gradient: some input requires grad and recording
     * is on. Called by every op right after its forward computation; checks the output in anomaly mode.
     */
    static Tensor record(String op, Tensor out, BackwardRule rule, Tensor... inputs) {
        return record(op, out, rule, null, inputs);
    }

    /**
     * Like {@link #record(String, Tensor, BackwardRule, Tensor...)}, for an op with a forward-mode rule: inside a
     * dual level ({@link ForwardAD}) the output also gets its tangent, {@code jvp} applied to the inputs' tangents.
     */
    static Tensor record(String op, Tensor out, BackwardRule rule, ForwardRule jvp, Tensor... inputs) {
        GradState state = GradState.get();
        if (state.anomaly()) {
            Anomaly.checkForward(state, op, out);
        }
        return append(state, op, out, rule, jvp, inputs);
    }

    /**
     * {@link #record(String, Tensor, BackwardRule, ForwardRule, Tensor...)} for an op that writes infinities on
     * purpose ({@code maskedFill} with -∞ at masked attention scores): anomaly mode does not check its output,
     * because the caller has checked every value the op did not write (an infinity or NaN that comes from the
     * inputs is still reported).
     */
    static Tensor recordWithDeliberateInfinities(String op, Tensor out, BackwardRule rule, ForwardRule jvp,
            Tensor... inputs) {
        return append(GradState.get(), op, out, rule, jvp, inputs);
    }

    /**
     * Whether an op on these inputs would be recorded or given a tangent by {@link #record} now; an op may skip
     * computing what only its rules read when not (max pooling's indices at inference).
     */
    static boolean willRecord(Tensor... inputs) {
        GradState state = GradState.get();
        return state.recording() && anyRequiresGrad(inputs) || state.dualLevel != null;
    }

    private static Tensor append(GradState state, String op, Tensor out, BackwardRule rule, ForwardRule jvp,
            Tensor... inputs) {
        if (!out.dtype().isFloatingPoint()) { // int32 and bool results never require grad and have no tangent
            TypePromotion.checkResult(op, out);
            return out;
        }
        if (state.recording() && anyRequiresGrad(inputs)) {
            Node node = new Node(op, state.tape, out, inputs, rule, state.anomaly() ? new Throwable() : null);
            out.setGradFn(node);
            state.tape.append(node);
        }
        if (state.dualLevel != null) { // after recording: a tangent made from the output depends on it
            ForwardAD.propagate(state, op, out, jvp, inputs);
        }
        return out;
    }

    /**
     * Records a one-input op whose Jacobian is symmetric (an element-wise function, softmax): its forward rule is
     * its backward rule applied to the tangent ({@link ForwardRule#selfAdjoint}).
     */
    static Tensor recordSelfAdjoint(String op, Tensor out, BackwardRule rule, Tensor x) {
        return record(op, out, rule, ForwardRule.selfAdjoint(rule), x);
    }

    private static boolean anyRequiresGrad(Tensor[] inputs) {
        for (Tensor t : inputs) {
            if (t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }
}
