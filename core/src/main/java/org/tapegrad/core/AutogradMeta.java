package org.tapegrad.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The autograd state of a tensor that takes part in differentiation: whether it requires grad, the recorded op that
 * produced it, its gradient, whether that gradient is retained, and its hooks. A tensor creates it when it first
 * needs it ({@code requiresGrad(true)}, being recorded, {@code setGrad}); a plain tensor (an activation at inference,
 * a view, optimizer state) carries none. Written only by the thread that owns the tensor's recording, or, for a
 * shared leaf, before and after the parallel part of a step.
 */
final class AutogradMeta {
    boolean requiresGrad;
    /** The recorded op that produced the tensor; null for a leaf. */
    Node gradFn;
    /** The gradient: written by the engine ({@link Tape}) and by {@link Tensor#setGrad}. */
    Tensor grad;
    boolean retainGrad;
    /** Gradient hooks, in registration order; null until the first is registered. */
    List<UnaryOperator<Tensor>> hooks;
    /** Hooks called once a plain backward has accumulated the leaf's gradient; null until the first. */
    List<Consumer<Tensor>> postAccumulateHooks;
    /** The forward-mode tangent ({@link ForwardAD}) and the level it belongs to; stale once that level is closed. */
    Tensor tangent;
    ForwardAD.Level tangentLevel;

    boolean hasHooks() {
        return hooks != null && !hooks.isEmpty();
    }

    boolean hasPostAccumulateHooks() {
        return postAccumulateHooks != null && !postAccumulateHooks.isEmpty();
    }

    void addHook(UnaryOperator<Tensor> hook) {
        if (hooks == null) {
            hooks = new ArrayList<>(2);
        }
        hooks.add(hook);
    }
}
