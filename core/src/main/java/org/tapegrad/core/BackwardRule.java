package org.tapegrad.core;

/**
 * The local chain-rule step of one recorded op: given {@code g}, the gradient of the loss with respect to the op's
 * output, returns the gradient with respect to each input (same order, same shapes), or {@code null} for an input
 * that needs none. Written in {@link Tensor} operations, so that the backward pass can itself be recorded
 * (gradients of gradients).
 */
@FunctionalInterface
interface BackwardRule {
    Tensor[] apply(Tensor g);
}
