package org.tapegrad.core;

/**
 * The local chain-rule step of one recorded op. Pure: given {@code g}, the gradient of the loss with respect to the
 * op's output, it returns the gradient with respect to each input (same order, same shapes) and writes nothing
 * else. {@code needs[i]} says whether input i needs a gradient (PyTorch's {@code grad_input_mask}); element i of the
 * result is then computed, and otherwise left null. A null for an input that needs a gradient means a zero
 * gradient. Written in {@link Tensor} operations, so that the backward pass can itself be recorded (gradients of
 * gradients). Where each gradient goes (a pending sum, a leaf's {@code grad()}, a thread's {@link LeafGradients})
 * is decided by the engine ({@link Tape}), never by the rule. The engine calls a rule only when some input needs
 * a gradient, so a rule of a one-input op may ignore {@code needs}; the array is the engine's, valid during the call only.
 */
@FunctionalInterface
interface BackwardRule {
    /** Gradient of each input given g = dL/d(output); {@code needs[i]} false: element i is null (not computed). */
    Tensor[] apply(Tensor g, boolean[] needs);
}
