/**
 * Tensors, reverse-mode automatic differentiation and gradient checking.
 *
 * <ul>
 *   <li>{@link org.tapegrad.core.Tensor}: an n-dimensional float32/float64 array on an EJML dense matrix, with the
 *       ops (each with its backward rule beside its forward, in package-private {@code *Ops} classes), including
 *       {@code conv2d}, {@code convTranspose2d} (im2col + gemm), {@code maxPool2d} and {@code avgPool2d}.</li>
 *   <li>{@link org.tapegrad.core.Tape}: a recording scope and the reverse walk that computes gradients;
 *       {@link org.tapegrad.core.Autograd} for the functional form and gradients of gradients;
 *       {@link org.tapegrad.core.Functional} for vjp, jvp, jacobian, hessian, hvp and vhp of a function of
 *       tensors, as {@code torch.autograd.functional} (here because it runs f on a tape of its own, which takes the
 *       package's per-thread recording state).</li>
 *   <li>{@link org.tapegrad.core.Losses}: cross-entropy, mean squared error, binary cross-entropy on logits.</li>
 *   <li>{@link org.tapegrad.core.GradCheck}: finite-difference checks for your own tests;
 *       {@link org.tapegrad.core.Anomaly}: NaN/Inf detection naming the op and the calling line.</li>
 *   <li>{@link org.tapegrad.core.gemm.MatmulKernel}: the one interface all matrix products go through.</li>
 * </ul>
 *
 * <pre>{@code
 * jshell> import org.tapegrad.core.*;
 * jshell> var x = Tensor.of(new double[] {3}, 1).requiresGrad(true);
 * jshell> try (var tape = Tape.record()) { tape.backward(x.mul(x).add(x).sum()); }
 * jshell> x.grad()
 * $4 ==> tensor([7], shape=[1], dtype=float64)
 * }</pre>
 */
package org.tapegrad.core;
