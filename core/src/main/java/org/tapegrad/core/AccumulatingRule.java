package org.tapegrad.core;

/**
 * A {@link BackwardRule} that can also add input i's gradient into a buffer the engine owns, instead of returning
 * a new tensor: linear's {@code dW += gᵀ·x} and {@code db += Σ g} run as one accumulating product each, with no
 * temporary. The engine calls it only outside {@code createGraph} (where the backward pass is not recorded), with a
 * destination of input i's shape and dtype that nothing but the engine reads until the backward pass ends: an
 * intermediate's pending sum, a leaf's kept {@code grad()}, or a thread's {@link LeafGradients} buffer.
 */
interface AccumulatingRule extends BackwardRule {
    /**
     * {@code dest += dL/d(input i)} given {@code g} = dL/d(output). {@code dest}: modified; {@code g}: not modified.
     * Adds the gradient that {@link #apply} returns for input i (the same sum, up to rounding). Returns false, having
     * written nothing, when it cannot for this call; the engine then uses {@link #apply} for that input.
     */
    boolean accumulateInto(int i, Tensor g, Tensor dest);
}
