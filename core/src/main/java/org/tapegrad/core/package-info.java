/**
 * Tensors, reverse- and forward-mode automatic differentiation and gradient checking: the API and the autograd
 * engine.
 *
 * <ul>
 *   <li>{@link org.tapegrad.core.Tensor}: an n-dimensional float32/float64 array on an EJML dense matrix, with the
 *       ops (each with its backward rule beside its forward, in package-private {@code *Ops} classes, here because
 *       they record through {@code Autograd.record} and the tensor's internals), including {@code conv2d},
 *       {@code convTranspose2d} (im2col + gemm), {@code maxPool2d} and {@code avgPool2d}.</li>
 *   <li>{@link org.tapegrad.core.Tape}: a recording scope and the reverse walk that computes gradients
 *       (package-private {@code Node}, {@code BackwardRule}, {@code GradState});
 *       {@link org.tapegrad.core.Autograd} for the functional form and gradients of gradients;
 *       {@link org.tapegrad.core.ForwardAD} for forward mode (dual tensors, {@code ForwardRule});
 *       {@link org.tapegrad.core.CustomFunction} for ops with hand-written rules;
 *       {@link org.tapegrad.core.Functional} for vjp, jvp, jacobian, hessian, hvp and vhp of a function of
 *       tensors, as {@code torch.autograd.functional} (here because it runs f on a tape of its own, which takes the
 *       package's per-thread recording state).</li>
 *   <li>{@link org.tapegrad.core.Losses}: cross-entropy, mean squared error, binary cross-entropy on logits.</li>
 *   <li>{@link org.tapegrad.core.GradCheck}: finite-difference checks for your own tests;
 *       {@link org.tapegrad.core.Anomaly}: NaN/Inf detection naming the op and the calling line.</li>
 *   <li>Step memory: {@link org.tapegrad.core.Workspace} (a training step's buffers, reused),
 *       {@link org.tapegrad.core.Scope}, {@link org.tapegrad.core.LeafGradients},
 *       {@link org.tapegrad.core.PackedWeight} and {@link org.tapegrad.core.Ranges} (in-place work on element
 *       ranges, for code that splits a tensor across threads).</li>
 * </ul>
 *
 * <p>Beside it: {@code core.gemm} (every matrix product, {@code Matmul.use}), {@code core.io} (safetensors,
 * checkpoints, JSON), {@code core.data} (datasets and loaders) and {@code core.internal.kernel} (the loops under the
 * ops; not API). There is no {@code module-info}: ejml-ddense and ejml-fdense both contain
 * {@code org.ejml.dense.row} (split packages), and a named module cannot read both.
 *
 * <p>May use: {@code org.tapegrad.core.gemm}, {@code org.tapegrad.core.internal.kernel}.
 *
 * <pre>{@code
 * jshell> import org.tapegrad.core.*;
 * jshell> var x = Tensor.of(new double[] {3}, 1).requiresGrad(true);
 * jshell> try (var tape = Tape.record()) { tape.backward(x.mul(x).add(x).sum()); }
 * jshell> x.grad()
 * $4 ==> tensor([7], shape=[1], dtype=float32)
 * }</pre>
 */
package org.tapegrad.core;
