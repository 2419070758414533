package org.tapegrad.core;

/**
 * A {@link BackwardRule} that can also add an input's gradient into a buffer the engine owns (same shape and dtype
 * as that input), instead of returning a new tensor: {@code narrow}'s {@code dest.narrow(dim, start, len) += g}, so
 * that the gradients of many slices of one tensor fill one buffer.
 */
interface AccumulatingRule extends BackwardRule {
    /**
     * Adds dL/d(input {@code i}) for the upstream gradient {@code g} into {@code dest}.
     *
     * @return false when it cannot for this call (the engine then uses {@link #apply})
     */
    boolean accumulateInto(int i, Tensor g, Tensor dest);
}
